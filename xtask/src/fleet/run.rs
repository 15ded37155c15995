//! A piece of work run on every target, at most `jobs` at a time, each
//! target in its own connection (the work opens it). Results come back in
//! the targets' order; `on_done` hears each as it finishes. With
//! `fail_fast`, no target starts after one has failed (those running finish:
//! a migration is never cut off half-way).

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Result;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::targets::Target;

/// How one target's work ended.
pub struct Done<'a, T> {
    pub target: &'a Target,
    /// `None`: not started (`fail_fast` after a failure).
    pub result: Option<Result<T>>,
    pub took: Duration,
}

impl<T> Done<'_, T> {
    pub fn failed(&self) -> bool {
        matches!(self.result, Some(Err(_)))
    }
}

pub async fn each<'a, T, F, Fut>(
    targets: &'a [Target],
    jobs: usize,
    fail_fast: bool,
    work: F,
    mut on_done: impl FnMut(&Done<'a, T>),
) -> Vec<Done<'a, T>>
where
    F: Fn(&'a Target) -> Fut,
    Fut: Future<Output = Result<T>> + 'a,
{
    let jobs = jobs.max(1);
    let mut next = 0;
    let mut running = FuturesUnordered::new();
    let mut done: Vec<Option<Done<'a, T>>> = targets.iter().map(|_| None).collect();
    let mut stop = false;
    loop {
        while !stop && next < targets.len() && running.len() < jobs {
            let (i, target) = (next, &targets[next]);
            let started = Instant::now();
            let fut = work(target);
            running.push(async move { (i, fut.await, started.elapsed()) });
            next += 1;
        }
        let Some((i, result, took)) = running.next().await else {
            break;
        };
        let finished = Done {
            target: &targets[i],
            result: Some(result),
            took,
        };
        stop |= fail_fast && finished.failed();
        on_done(&finished);
        done[i] = Some(finished);
    }
    done.into_iter()
        .zip(targets)
        .map(|(d, target)| {
            d.unwrap_or(Done {
                target,
                result: None,
                took: Duration::ZERO,
            })
        })
        .collect()
}

/// The default `--jobs`: the smaller of 4 and the number of targets.
pub fn default_jobs(targets: usize) -> usize {
    targets.clamp(1, 4)
}
