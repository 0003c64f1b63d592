;; An import of a WASI function that does not exist.
(module (import "wasi_snapshot_preview1" "fd_frobnicate" (func (param i32) (result i32)))
        (func (export "_start")))
