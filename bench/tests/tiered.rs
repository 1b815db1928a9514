//! The tiered engine compiles by work: code gets hot from the gas its frames spend in the
//! interpreter, reported when the code next starts a frame, against a threshold in
//! proportion to its size.

use zkos_bench::workloads;
use zkos_bench::zkos_runner::ZkosRunner;
use zkos_evm_jit::Mode;

#[test]
fn a_loop_is_compiled_once_its_work_is_reported_and_never_below_the_threshold() {
    let workload = workloads::loop_heavy();
    let mut hot = ZkosRunner::jit(&workload, Mode::default_tiered());
    let mut cold = ZkosRunner::jit(
        &workload,
        Mode::Tiered {
            gas_per_byte: u32::MAX,
        },
    );
    let expected = hot.outcome();
    hot.wait_compiled();
    // One frame ran; its work is reported at the next frame of the same code.
    assert_eq!(hot.stats().compiled, 0);
    assert!(
        expected.gas_used > 256 * u64::from(Mode::DEFAULT_GAS_PER_BYTE),
        "the loop must be hot after one run"
    );
    assert_eq!(hot.outcome(), expected);
    hot.wait_compiled();
    assert_eq!(hot.stats().compiled, 1, "{:?}", hot.last_error());
    assert_eq!(hot.stats().jit_frames, 0);
    assert_eq!(hot.outcome(), expected);
    assert_eq!(hot.stats().jit_frames, 1);

    for _ in 0..3 {
        assert_eq!(cold.outcome(), expected);
        cold.wait_compiled();
    }
    let s = cold.stats();
    assert_eq!((s.compiled, s.jit_frames, s.interpreted_frames), (0, 0, 3));
}
