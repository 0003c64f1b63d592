# install.mk — `make install`: the wasmbox binary and its manual pages.
#   make install [PREFIX=/usr/local] [DESTDIR=staging-dir] [BUILD=dir]
# installs $(DESTDIR)$(PREFIX)/bin/wasmbox,
#          $(DESTDIR)$(PREFIX)/share/man/man1/wasmbox.1,
#          $(DESTDIR)$(PREFIX)/share/man/man5/wasmbox-policy.5
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
INSTALL ?= install

install: $(B)/wasmbox man/wasmbox.1 man/wasmbox-policy.5
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0755 $(B)/wasmbox $(DESTDIR)$(BINDIR)/wasmbox
	$(INSTALL) -m 0644 man/wasmbox.1 $(DESTDIR)$(MANDIR)/man1/wasmbox.1
	$(INSTALL) -m 0644 man/wasmbox-policy.5 $(DESTDIR)$(MANDIR)/man5/wasmbox-policy.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wasmbox $(DESTDIR)$(MANDIR)/man1/wasmbox.1 \
	      $(DESTDIR)$(MANDIR)/man5/wasmbox-policy.5

.PHONY: uninstall
