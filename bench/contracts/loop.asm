; loop-heavy: {iterations} rounds of a multiply-xorshift mix over one 256-bit accumulator.
; No memory or storage inside the loop: this measures dispatch and stack/arithmetic cost.
; Returns the final accumulator (32 bytes). Stack comments list the top first.
    PUSH0                   ; i = 0
    PUSH {seed}             ; acc i
JUMPDEST @loop
    PUSH {mul}              ; K acc i
    MUL                     ; acc*K i
    DUP2
    ADD                     ; acc = acc*K + i
    DUP1
    PUSH1 7
    SHL                     ; acc<<7 acc i
    XOR                     ; acc ^= acc << 7
    DUP1
    PUSH1 11
    SHR
    XOR                     ; acc ^= acc >> 11
    SWAP1
    PUSH1 1
    ADD
    SWAP1                   ; acc i+1
    PUSH {iterations}
    DUP3
    LT                      ; i+1 < N, acc i+1
    PUSH @loop
    JUMPI
    PUSH0
    MSTORE                  ; mem[0..32] = acc
    PUSH1 32
    PUSH0
    RETURN
