//! Brief polling before a thread sleeps on a condition variable.
//!
//! Waking a sleeping thread can take longer than a loopback round trip on
//! an idle virtual CPU. A thread that expects its event soon therefore
//! polls for a short while first, yielding the CPU between polls. A
//! [`Pollers`] budget lets only a few threads of one kind poll at once, so
//! that many waiting threads do not keep the CPUs busy.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Budget of threads of one kind that may poll at the same time.
pub(crate) struct Pollers {
    active: AtomicUsize,
    max: usize,
}

impl Pollers {
    pub(crate) const fn new(max: usize) -> Pollers {
        Pollers {
            active: AtomicUsize::new(0),
            max,
        }
    }

    /// Calls `check` until it returns a value or `limit` passes, yielding
    /// the CPU between calls. Returns `None` at the limit, and at once when
    /// `limit` is zero or the budget is used up by other threads.
    pub(crate) fn poll<T>(&self, limit: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
        if limit.is_zero() {
            return None;
        }
        if self.active.fetch_add(1, Ordering::Relaxed) >= self.max {
            self.active.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let start = Instant::now();
        let found = loop {
            if let Some(value) = check() {
                break Some(value);
            }
            if start.elapsed() >= limit {
                break None;
            }
            std::thread::yield_now();
        };
        self.active.fetch_sub(1, Ordering::Relaxed);
        found
    }
}
