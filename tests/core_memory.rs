//! A long-lived group releases finished children promptly: the bytes it
//! holds stay flat however many children it has run. Measured with a
//! counting global allocator, so this file is its own test binary.

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

use taskgroup::TaskGroup;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed since `region` started.
fn live(region: &Region<'_, System>) -> isize {
    let c = region.change();
    c.bytes_allocated as isize - c.bytes_deallocated as isize
}

#[test]
fn a_group_that_runs_a_million_short_children_keeps_flat_memory() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let region = Region::new(GLOBAL);
        let tg = TaskGroup::<()>::new();
        tg.run(async {
            let mut after_warmup = 0;
            for round in 0..1_000 {
                // 1,000 children at a time, each yielding once.
                let handles: Vec<_> = (0..1_000u32)
                    .map(|i| {
                        tg.spawn(async move {
                            tokio::task::yield_now().await;
                            Ok(i)
                        })
                    })
                    .collect();
                let mut sum = 0u64;
                for h in handles {
                    sum += u64::from(h.await);
                }
                assert_eq!(sum, 999 * 1000 / 2);
                if round == 10 {
                    after_warmup = live(&region);
                }
            }
            let growth = live(&region) - after_warmup;
            assert!(
                growth < 16 * 1024,
                "memory grew by {growth} bytes over 990,000 finished children"
            );
            Ok(())
        })
        .await
        .unwrap();
    });
}
