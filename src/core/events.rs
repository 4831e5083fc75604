//! The library's callback thread: connection events and asynchronous
//! errors run there one at a time, in the order they happened, and never
//! while the client holds a lock.

use std::sync::mpsc::{channel, Sender};

use once_cell::sync::Lazy;
use parking_lot::Mutex;

use super::conn::Connection;
use super::options::{ConnectionCallback, ErrorCallback};
use super::status::Error;
use super::sub::Subscription;

/// One callback to run.
pub(crate) enum Event {
    Connection {
        conn: Connection,
        cb: ConnectionCallback,
    },
    Error {
        conn: Connection,
        sub: Option<Subscription>,
        error: Error,
        cb: ErrorCallback,
    },
}

static SENDER: Lazy<Mutex<Option<Sender<Event>>>> = Lazy::new(|| Mutex::new(None));

fn run(event: Event) {
    match event {
        Event::Connection { conn, cb } => cb(&conn),
        Event::Error {
            conn,
            sub,
            error,
            cb,
        } => cb(&conn, sub.as_ref(), &error),
    }
}

/// Queues `event` for the callback thread, starting the thread if needed.
pub(crate) fn post(event: Event) {
    let mut guard = SENDER.lock();
    if let Some(tx) = guard.as_ref() {
        if let Err(returned) = tx.send(event) {
            *guard = None;
            start_and_send(&mut guard, returned.0);
        }
    } else {
        start_and_send(&mut guard, event);
    }
}

fn start_and_send(guard: &mut Option<Sender<Event>>, event: Event) {
    let (tx, rx) = channel::<Event>();
    let spawned = super::lifecycle::spawn("nats-callbacks".to_string(), move || {
        while let Ok(event) = rx.recv() {
            run(event);
        }
    });
    match spawned {
        Ok(_) => {
            let _ = tx.send(event);
            *guard = Some(tx);
        }
        Err(e) => log::error!("failed to start the callback thread: {e}"),
    }
}

/// Stops the callback thread once the queued callbacks have run.
pub(crate) fn shutdown() {
    SENDER.lock().take();
}
