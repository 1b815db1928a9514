; call-heavy, the callee: x = calldata[0..32]; returns x*x + (x ^ 0x5555) as 32 bytes.
    PUSH0
    CALLDATALOAD            ; x
    DUP1
    DUP1
    MUL                     ; x*x x
    SWAP1
    PUSH2 0x5555
    XOR                     ; x^0x5555 x*x
    ADD
    PUSH0
    MSTORE
    PUSH1 32
    PUSH0
    RETURN
