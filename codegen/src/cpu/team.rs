//! The threads a kernel launch shares its work with: the calling thread and helper
//! threads, woken for each launch.
//!
//! Why not the rayon pool: a launch through it wakes a sleeping worker to run the
//! scope, which wakes a second, while the caller sleeps until the last one wakes it:
//! three wake-ups in a row before and after the work, each microseconds to tens of
//! them on a VM. Here the caller works from the start and a helper joins when it wakes
//! (the caller never waits for it to start, only for the share it took); the wait at the
//! end is a spin, the caller having nothing else to do.
//!
//! After a launch a helper spins for [`SPIN`] before it sleeps, so that the next launch
//! finds it awake. Measured on this 2-core VM (`codegen/examples/time_program.rs`, a
//! float64 sum, two threads, medians of runs alternating with the rayon version):
//! 65,536 elements 9-11 µs (rayon 27-33, one thread 13-14), 200,000 elements 21 µs
//! (36-43, 27-36), 1,000,000 elements 80-103 µs (109-115, 169-210). Helpers that
//! slept at once took 14-18 µs at 65,536 elements; spinning that yielded the CPU
//! (`sched_yield`) every few microseconds was slower than no spinning.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a helper spins after a launch before it sleeps, so that the next launch
/// (the next kernel of a program, the next call in a loop) finds it awake.
const SPIN: Duration = Duration::from_micros(50);

/// One launch's work, on the caller's stack while it runs.
struct Job {
    /// Runs share `p`.
    run: &'static (dyn Fn(usize) + Sync),
    /// The next share not yet taken.
    next: AtomicUsize,
    shares: usize,
    /// Helpers that may still join (the launch's thread count less the caller).
    seats: AtomicUsize,
    /// Set when a share panicked on a helper (the caller panics in turn).
    panicked: AtomicBool,
}

impl Job {
    /// Takes and runs shares until none is left.
    fn work(&self) {
        loop {
            let p = self.next.fetch_add(1, Ordering::Relaxed);
            if p >= self.shares {
                break;
            }
            (self.run)(p);
        }
    }
}

/// The helpers' shared state.
struct Team {
    /// The launch now running, or null.
    job: AtomicPtr<Job>,
    /// Bumped for every launch: a helper that sees it change looks at `job`.
    epoch: AtomicU64,
    /// Helpers between reading `job` and being done with it (the caller waits for 0
    /// before its job leaves the stack).
    busy: AtomicUsize,
    /// Helpers asleep (or about to be), woken through `sleep`.
    sleepers: AtomicUsize,
    sleep: Mutex<()>,
    wake: Condvar,
    /// One launch uses the helpers at a time; a launch that finds them taken (another
    /// Python thread's) runs on its own thread.
    launch: Mutex<()>,
    helpers: usize,
}

/// The team, its helpers started on first use: one fewer than the process's thread
/// count (`LAZYFUSE_NUM_THREADS`, else the available parallelism, which reads cgroup
/// files: once, not per launch).
fn team() -> &'static Team {
    static TEAM: OnceLock<&'static Team> = OnceLock::new();
    TEAM.get_or_init(|| {
        let team: &'static Team = Box::leak(Box::new(Team {
            job: AtomicPtr::new(std::ptr::null_mut()),
            epoch: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
            launch: Mutex::new(()),
            helpers: super::default_threads().saturating_sub(1),
        }));
        for i in 0..team.helpers {
            // A helper that cannot start leaves its shares to the others (the caller
            // always works, so the launch still finishes).
            let _ = std::thread::Builder::new()
                .name(format!("lazyfuse-team-{i}"))
                .spawn(move || team.help());
        }
        team
    })
}

impl Team {
    /// A helper's life: wait for a launch, work on it, repeat.
    fn help(&self) {
        // The epoch the team started with, not the current one: the launch that started
        // the team may already have bumped it, and this helper should join that launch.
        let mut seen = 0;
        loop {
            seen = self.wait_for_launch(seen);
            self.busy.fetch_add(1, Ordering::SeqCst);
            let job = self.job.load(Ordering::SeqCst);
            // SAFETY: while `busy` counts this helper, a job it read is not taken off
            // the caller's stack (the caller clears `job`, then waits for `busy` to
            // reach 0; both sides use SeqCst, so the caller sees this increment or this
            // load sees the cleared pointer).
            let job = unsafe { job.as_ref() };
            let seated = job.filter(|j| {
                j.seats
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| s.checked_sub(1))
                    .is_ok()
            });
            if let Some(job) = seated {
                if catch_unwind(AssertUnwindSafe(|| job.work())).is_err() {
                    job.panicked.store(true, Ordering::SeqCst);
                }
            }
            self.busy.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Spins for [`SPIN`], then sleeps, until the epoch moves past `seen`; the epoch.
    fn wait_for_launch(&self, seen: u64) -> u64 {
        let start = Instant::now();
        for round in 1u32.. {
            let now = self.epoch.load(Ordering::SeqCst);
            if now != seen {
                return now;
            }
            if round.is_multiple_of(64) && start.elapsed() > SPIN {
                break;
            }
            std::hint::spin_loop();
        }
        let mut guard = self.sleep.lock().unwrap_or_else(|e| e.into_inner());
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        let now = loop {
            let now = self.epoch.load(Ordering::SeqCst);
            if now != seen {
                break now;
            }
            guard = self.wake.wait(guard).unwrap_or_else(|e| e.into_inner());
        };
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        now
    }
}

/// Clears a launch's job and waits until no helper holds it: on the way out of
/// [`run_shares`], by return or by unwinding.
struct Retire<'a>(&'a Team);

impl Drop for Retire<'_> {
    fn drop(&mut self) {
        self.0.job.store(std::ptr::null_mut(), Ordering::SeqCst);
        let mut rounds = 0u32;
        while self.0.busy.load(Ordering::SeqCst) != 0 {
            rounds = rounds.wrapping_add(1);
            if rounds.is_multiple_of(1024) {
                std::thread::yield_now();
            }
            std::hint::spin_loop();
        }
    }
}

/// Runs `run(p)` for each share p in 0..shares on the calling thread and up to
/// `threads - 1` helpers, each taking the next share not yet taken. Shares must be
/// independent: which thread runs one does not change the result.
pub(super) fn run_shares(threads: usize, shares: usize, run: &(dyn Fn(usize) + Sync)) {
    let team = team();
    let lone = Job {
        // SAFETY: the job outlives every use of `run`: helpers reach it only through
        // `team.job`, which `Retire` clears and then waits out before this returns.
        run: unsafe {
            std::mem::transmute::<&(dyn Fn(usize) + Sync), &'static (dyn Fn(usize) + Sync)>(run)
        },
        next: AtomicUsize::new(0),
        shares,
        seats: AtomicUsize::new(threads.saturating_sub(1)),
        panicked: AtomicBool::new(false),
    };
    let taken = match team.launch.try_lock() {
        Ok(guard) if threads > 1 && team.helpers > 0 && shares > 1 => Some(guard),
        _ => None,
    };
    let Some(_guard) = taken else {
        lone.work();
        return;
    };
    {
        let retire = Retire(team);
        team.job
            .store(&lone as *const Job as *mut Job, Ordering::SeqCst);
        team.epoch.fetch_add(1, Ordering::SeqCst);
        if team.sleepers.load(Ordering::SeqCst) > 0 {
            // As many as may join (a small launch on a many-core machine wakes one).
            let _lock = team.sleep.lock().unwrap_or_else(|e| e.into_inner());
            for _ in 1..threads.min(team.helpers + 1) {
                team.wake.notify_one();
            }
        }
        lone.work();
        drop(retire);
    }
    if lone.panicked.load(Ordering::SeqCst) {
        panic!("a kernel launch's share panicked on a helper thread");
    }
}

#[cfg(test)]
mod tests {
    use super::run_shares;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Every share runs exactly once, whatever the thread count, with launches from
    /// several threads at once (one gets the helpers, the others run alone).
    #[test]
    fn each_share_runs_once_under_concurrent_launches() {
        std::thread::scope(|s| {
            for t in 0..4usize {
                s.spawn(move || {
                    for round in 0..200usize {
                        let shares = 1 + (round * 7 + t) % 97;
                        let counts: Vec<AtomicUsize> =
                            (0..shares).map(|_| AtomicUsize::new(0)).collect();
                        run_shares(1 + round % 4, shares, &|p| {
                            counts[p].fetch_add(1, Ordering::Relaxed);
                        });
                        assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1));
                    }
                });
            }
        });
    }

    /// A share that panics (on the caller or a helper) makes the launch panic, and
    /// the team still works afterwards.
    #[test]
    fn a_panicking_share_panics_the_launch_and_the_team_recovers() {
        for _ in 0..20 {
            let launched = std::panic::catch_unwind(|| {
                run_shares(2, 64, &|p| {
                    if p == 63 {
                        panic!("share {p}");
                    }
                    std::hint::black_box(p);
                })
            });
            assert!(launched.is_err());
        }
        let ran = AtomicUsize::new(0);
        run_shares(2, 64, &|_| {
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ran.load(Ordering::Relaxed), 64);
    }
}
