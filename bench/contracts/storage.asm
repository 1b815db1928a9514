; storage-heavy, over {slots} slots per phase. Stack comments list the top first.
;   A: slot i = i + 1 for i < N                 (cold SSTORE, zero -> non-zero)
;   B: slot i = 2 * SLOAD(i)                    (warm SLOAD, SSTORE of a slot already dirty)
;   C: slot BASE+i = SLOAD(BASE+i) + 1          (cold SLOAD of a pre-set slot, warm overwrite)
;   D: slot BASE+i = 0 for i < {cleared}        (clearing: exercises the refund accounting)
; BASE = {base}; the pre-state holds the slots BASE+i, i < N.

; phase A
    PUSH0                   ; i
JUMPDEST @a_loop
    DUP1
    PUSH1 1
    ADD                     ; i+1 i
    DUP2
    SSTORE                  ; i
    PUSH1 1
    ADD                     ; i+1
    PUSH {slots}
    DUP2
    LT
    PUSH @a_loop
    JUMPI
    POP

; phase B
    PUSH0
JUMPDEST @b_loop
    DUP1
    SLOAD                   ; v i
    PUSH1 1
    SHL                     ; 2v i
    DUP2
    SSTORE                  ; i
    PUSH1 1
    ADD
    PUSH {slots}
    DUP2
    LT
    PUSH @b_loop
    JUMPI
    POP

; phase C
    PUSH0
JUMPDEST @c_loop
    DUP1
    PUSH {base}
    ADD                     ; k i
    DUP1
    SLOAD                   ; v k i
    PUSH1 1
    ADD                     ; v+1 k i
    SWAP1
    SSTORE                  ; i
    PUSH1 1
    ADD
    PUSH {slots}
    DUP2
    LT
    PUSH @c_loop
    JUMPI
    POP

; phase D
    PUSH0
JUMPDEST @d_loop
    DUP1
    PUSH {base}
    ADD                     ; k i
    PUSH0
    SWAP1
    SSTORE                  ; i
    PUSH1 1
    ADD
    PUSH {cleared}
    DUP2
    LT
    PUSH @d_loop
    JUMPI
    POP
    STOP
