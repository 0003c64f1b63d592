;; An import of something that is not WASI.
(module (import "env" "host_thing" (func))
        (func (export "_start")))
