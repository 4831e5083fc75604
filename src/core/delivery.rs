//! Delivery threads of asynchronous subscriptions: one thread per
//! subscription by default, or a shared pool of threads when the options
//! ask for global delivery. Either way a subscription's callbacks run one
//! at a time and in arrival order.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use once_cell::sync::Lazy;
use parking_lot::{Condvar, Mutex};

use super::poll::Pollers;
use super::conn::{allow_direct_publish, flush_callback_publishes, mark_callback_thread};
use super::status::{Error, Result, Status};
use super::sub::{Closed, MessageHandler, SubInner, Subscription};

/// Messages one pool thread delivers for a subscription before it serves
/// the next one, so a busy subscription cannot starve the others.
const POOL_BATCH: usize = 64;

/// Threads in the shared pool unless `nats_SetMessageDeliveryPoolSize`
/// says otherwise.
const DEFAULT_POOL_SIZE: usize = 1;

static POOL_SIZE: AtomicUsize = AtomicUsize::new(DEFAULT_POOL_SIZE);
static POOL: Lazy<Mutex<Vec<Arc<Worker>>>> = Lazy::new(|| Mutex::new(Vec::new()));
static NEXT_WORKER: AtomicUsize = AtomicUsize::new(0);
static DEFAULT_TO_POOL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes new options deliver through the shared pool by default.
pub fn set_default_to_pool(on: bool) {
    DEFAULT_TO_POOL.store(on, Ordering::Relaxed);
}

/// Whether new options deliver through the shared pool by default.
pub fn default_to_pool() -> bool {
    DEFAULT_TO_POOL.load(Ordering::Relaxed)
}

/// One thread of the shared pool with the subscriptions that have
/// messages for it.
pub(crate) struct Worker {
    ready: Mutex<VecDeque<Arc<SubInner>>>,
    cond: Condvar,
    /// Set when the library closes: the thread ends once its queue is empty.
    stop: std::sync::atomic::AtomicBool,
}

impl Worker {
    pub(crate) fn schedule(&self, sub: Arc<SubInner>) {
        self.ready.lock().push_back(sub);
        self.cond.notify_one();
    }

    fn run(self: Arc<Self>) {
        mark_callback_thread();
        loop {
            let sub = {
                let mut ready = self.ready.lock();
                loop {
                    if let Some(sub) = ready.pop_front() {
                        break sub;
                    }
                    if self.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    self.cond.wait(&mut ready);
                }
            };
            self.serve(sub);
        }
    }

    fn serve(&self, inner: Arc<SubInner>) {
        let sub = Subscription::from_inner(inner.clone());
        let Some(handler) = inner.handler.clone() else {
            return;
        };
        for _ in 0..POOL_BATCH {
            match deliver_one(&sub, &handler) {
                Step::Delivered { queue_empty: false } => continue,
                Step::Delivered { queue_empty: true } | Step::Empty => {
                    let mut st = inner.state.lock();
                    if st.queue_is_empty() && st.closed == Closed::Open {
                        st.scheduled = false;
                        return;
                    }
                }
                Step::Finished => {
                    finish(&inner);
                    return;
                }
            }
        }
        self.schedule(inner);
    }
}

/// Stops the shared pool's threads once their queues are empty; the
/// next pool subscription starts new ones.
pub(crate) fn stop_pool() {
    for worker in POOL.lock().drain(..) {
        worker.stop.store(true, Ordering::Relaxed);
        let _ready = worker.ready.lock();
        worker.cond.notify_all();
    }
}

/// Sets the maximum number of shared delivery threads. The pool only
/// grows: a smaller value than the current one is accepted and ignored.
pub fn set_pool_size(max: usize) -> Result<()> {
    if max == 0 {
        return Err(Error::new(Status::InvalidArg, "the delivery pool size must be at least 1"));
    }
    POOL_SIZE.fetch_max(max, Ordering::Relaxed);
    Ok(())
}

/// Returns a pool thread for a new subscription, starting one when the
/// pool has fewer than its maximum.
pub(crate) fn pool_worker() -> Result<Arc<Worker>> {
    let mut pool = POOL.lock();
    let max = POOL_SIZE.load(Ordering::Relaxed).max(1);
    if pool.len() < max {
        let worker = Arc::new(Worker {
            ready: Mutex::new(VecDeque::new()),
            cond: Condvar::new(),
            stop: std::sync::atomic::AtomicBool::new(false),
        });
        let runner = worker.clone();
        super::lifecycle::spawn(format!("nats-deliver-{}", pool.len()), move || runner.run())?;
        pool.push(worker.clone());
        return Ok(worker);
    }
    let index = NEXT_WORKER.fetch_add(1, Ordering::Relaxed) % pool.len();
    Ok(pool[index].clone())
}

/// Outcome of one delivery step.
enum Step {
    Delivered { queue_empty: bool },
    Empty,
    Finished,
}

/// Hands the next queued message, if any, to the callback.
fn deliver_one(sub: &Subscription, handler: &MessageHandler) -> Step {
    let inner = &sub.inner;
    let (msg, reached_max) = {
        let mut st = inner.state.lock();
        if st.closed != Closed::Open {
            return Step::Finished;
        }
        let Some(msg) = inner.take(&mut st) else {
            return Step::Empty;
        };
        let reached_max = st.max > 0 && st.delivered() >= st.max;
        if reached_max {
            st.closed = Closed::MaxDelivered;
        }
        st.in_callback = true;
        allow_direct_publish(st.queue_is_empty());
        (msg, reached_max)
    };
    if reached_max {
        inner.conn.remove_sub(inner.sid);
    }
    if let Some(js) = &inner.js {
        super::js::jssub::after_delivery(inner, js);
    }
    handler(sub, Some(msg));
    allow_direct_publish(false);
    let queue_empty = {
        let mut st = inner.state.lock();
        st.in_callback = false;
        if st.drain.is_some() {
            inner.drain_cond.notify_all();
        }
        st.queue_is_empty()
    };
    // With nothing else queued, write what the callback published now
    // rather than waiting for the writer task: this is what keeps a
    // replier's round trip short.
    if queue_empty {
        flush_callback_publishes();
    }
    if reached_max {
        return Step::Finished;
    }
    Step::Delivered { queue_empty }
}

/// Runs the completion callback of a subscription that stopped delivering,
/// then marks its drain, if any, finished.
fn finish(inner: &Arc<SubInner>) {
    flush_callback_publishes();
    if let Some(js) = &inner.js {
        super::js::jssub::on_finished(inner, js);
    }
    let on_complete = inner.state.lock().on_complete.take();
    if let Some(cb) = on_complete {
        cb();
    }
    let mut st = inner.state.lock();
    st.finish_drain();
    inner.drain_cond.notify_all();
}

/// Starts the own delivery thread of an asynchronous subscription.
pub(crate) fn start_thread(sub: &Subscription) -> Result<()> {
    let sub = sub.clone();
    super::lifecycle::spawn(format!("nats-sub-{}", sub.inner.sid), move || thread_loop(&sub))
}

fn thread_loop(sub: &Subscription) {
    mark_callback_thread();
    let inner = &sub.inner;
    let handler = inner.handler.clone().expect("asynchronous subscription has a handler");
    let mut spin_next = true;
    loop {
        let idle = {
            let mut st = inner.state.lock();
            let mut idle = false;
            while st.closed == Closed::Open && st.queue_is_empty() {
                st.waiting = true;
                match inner.idle_timeout {
                    Some(t) => {
                        if inner.cond.wait_for(&mut st, t).timed_out()
                            && st.queue_is_empty()
                            && st.closed == Closed::Open
                        {
                            st.waiting = false;
                            idle = true;
                            break;
                        }
                    }
                    None => {
                        if spin_next && poll_for_message(inner, &mut st) {
                            continue;
                        }
                        let slept = std::time::Instant::now();
                        inner.cond.wait(&mut st);
                        // Poll next time only if this message came soon
                        // enough for polling to have caught it.
                        spin_next = slept.elapsed() < DELIVERY_POLL;
                    }
                }
            }
            idle
        };
        if idle {
            handler(sub, None);
            continue;
        }
        if let Step::Finished = deliver_one(sub, &handler) {
            break;
        }
    }
    finish(inner);
}

/// How long an own delivery thread polls for its next message before it
/// sleeps, which shortens request/reply chains. The thread polls again
/// only after a message arrived within this window.
const DELIVERY_POLL: std::time::Duration = std::time::Duration::from_micros(200);

/// Delivery threads that may poll at once.
static DELIVERY_POLLERS: Pollers = Pollers::new(1);

/// Polls with the lock released until a message is queued, the
/// subscription closes or [`DELIVERY_POLL`] passes. Returns true when
/// there is something to act on.
fn poll_for_message(inner: &SubInner, st: &mut parking_lot::MutexGuard<'_, super::sub::SubState>) -> bool {
    parking_lot::MutexGuard::unlocked(st, || {
        DELIVERY_POLLERS.poll(DELIVERY_POLL, || {
            let st = inner.state.try_lock()?;
            (!st.queue_is_empty() || st.closed != Closed::Open).then_some(())
        })
    });
    !st.queue_is_empty() || st.closed != Closed::Open
}
