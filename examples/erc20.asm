; A minimal ERC-20 style token, for examples/block.json (assembled by zkos_host::asm).
;
; Storage: the balance of an address lives in the slot whose number is the address itself.
; The constructor gives the whole supply to the deployer and returns the runtime code.
; Runtime:
;   transfer(address,uint256)  selector 0xa9059cbb: moves tokens from the caller, emits
;       Transfer(address,address,uint256) (LOG3: topic0 = event signature hash, topic1 = from,
;       topic2 = to, data = amount), returns 1; reverts when the balance is too small.
;   balanceOf(address)         selector 0x70a08231: returns the balance.
;   anything else reverts.

; ---- constructor ----
PUSH 1000000            ; total supply
CALLER
SSTORE                  ; balance[deployer] = supply
PUSH @runtime.size      ; [size]
DUP1                    ; [size, size]
PUSH @runtime.start     ; [size, size, start]
PUSH1 0x00              ; [size, size, start, 0]
CODECOPY                ; memory[0..size] = runtime code
PUSH1 0x00
RETURN                  ; return memory[0..size]

; ---- runtime ----
.object runtime
PUSH1 0x00
CALLDATALOAD
PUSH1 0xe0
SHR                     ; [selector]
DUP1
PUSH4 0xa9059cbb
EQ
PUSH @transfer
JUMPI
DUP1
PUSH4 0x70a08231
EQ
PUSH @balance_of
JUMPI
PUSH1 0x00
DUP1
REVERT                  ; unknown selector

JUMPDEST @balance_of    ; [selector]
PUSH1 0x04
CALLDATALOAD            ; [selector, owner]
SLOAD                   ; [selector, balance]
PUSH1 0x00
MSTORE
PUSH1 0x20
PUSH1 0x00
RETURN

JUMPDEST @transfer      ; [selector]
PUSH1 0x04
CALLDATALOAD
PUSH20 0xffffffffffffffffffffffffffffffffffffffff
AND                     ; [selector, to] (upper bits cleared)
PUSH1 0x24
CALLDATALOAD            ; [selector, to, amount]
CALLER
SLOAD                   ; [selector, to, amount, from_balance]
DUP2
DUP2                    ; [.., amount, from_balance, amount, from_balance]
LT                      ; from_balance < amount
PUSH @insufficient
JUMPI                   ; [selector, to, amount, from_balance]
DUP2
SWAP1
SUB                     ; [selector, to, amount, from_balance - amount]
CALLER
SSTORE                  ; balance[caller] -= amount; [selector, to, amount]
DUP2
SLOAD                   ; [selector, to, amount, to_balance]
DUP2
ADD                     ; [selector, to, amount, to_balance + amount]
DUP3
SSTORE                  ; balance[to] += amount; [selector, to, amount]
PUSH1 0x00
MSTORE                  ; memory[0] = amount; [selector, to]
CALLER                  ; [selector, to, from]
PUSH32 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef
PUSH1 0x20
PUSH1 0x00
LOG3                    ; Transfer(from, to, amount); [selector]
PUSH1 0x01
PUSH1 0x00
MSTORE
PUSH1 0x20
PUSH1 0x00
RETURN                  ; true

JUMPDEST @insufficient
PUSH1 0x00
DUP1
REVERT
