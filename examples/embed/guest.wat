;; The guest of examples/embed/embed.c: one host import, three exports.
(module
  (import "host" "report" (func $report (param i32 i64)))

  ;; 1 + 2 + ... + n, reporting the running sum every time i reaches a
  ;; multiple of 'every' (0: never).
  (func $sum_to (export "sum_to") (param $n i32) (param $every i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $i))))
        (if (local.get $every)
          (then
            (if (i32.eqz (i32.rem_u (local.get $i) (local.get $every)))
              (then (call $report (local.get $i) (local.get $acc))))))
        (br $next)))
    (local.get $acc))

  (func $divide (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))

  ;; Calls divide through one more frame, for a two-frame backtrace.
  (func $average (export "average") (param $sum i32) (param $count i32) (result i32)
    (call $divide (local.get $sum) (local.get $count))))
