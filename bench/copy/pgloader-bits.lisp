;;; pgloader transform for MySQL BIT(n) -> PostgreSQL bit(n) (loaded with --load-lisp-file).
;;; pgloader's own bits-to-hex-bitstring writes X'..' with 8 bits per byte, which bit(5) refuses
;;; ("bit string length 8 does not match type bit(5)"); this writes exactly n binary digits.
(in-package #:pgloader.transforms)

(defun bits-to-bitstring (n value)
  (etypecase value
    (null nil)
    (vector (format nil "~v,'0b" n (reduce (lambda (acc b) (+ (* acc 256) b)) value :initial-value 0)))))

(defun bits-to-bitstring-5 (value) (bits-to-bitstring 5 value))
