; call-heavy, the caller: {calls} CALLs to {callee} with the counter as calldata, each result
; read back with RETURNDATASIZE/RETURNDATACOPY and summed. Reverts if a call fails.
; Returns the sum (32 bytes). Stack comments list the top first.
    PUSH0                   ; acc
    PUSH0                   ; i acc
JUMPDEST @loop
    DUP1
    PUSH0
    MSTORE                  ; mem[0..32] = i
    PUSH0                   ; retSize
    PUSH0                   ; retOffset
    PUSH1 32                ; argsSize
    PUSH0                   ; argsOffset
    PUSH0                   ; value
    PUSH20 {callee}
    GAS
    CALL                    ; ok i acc
    ISZERO
    PUSH @fail
    JUMPI
    RETURNDATASIZE          ; size
    PUSH0                   ; offset
    PUSH1 32                ; destOffset
    RETURNDATACOPY          ; mem[32..64] = returned word
    PUSH1 32
    MLOAD                   ; y i acc
    DUP3
    ADD                     ; acc+y i acc
    SWAP2
    POP                     ; i acc'
    PUSH1 1
    ADD                     ; i+1 acc
    PUSH {calls}
    DUP2
    LT
    PUSH @loop
    JUMPI
    POP
    PUSH0
    MSTORE
    PUSH1 32
    PUSH0
    RETURN
JUMPDEST @fail
    PUSH0
    PUSH0
    REVERT
