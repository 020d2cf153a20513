package org.micronet.trainer;

import org.apache.spark.BarrierTaskContext;

import java.util.concurrent.locks.LockSupport;

/**
 * {@code BarrierTaskContext.allGather} that returns as soon as the coordinator has answered.
 * Spark 3.5 waits for that answer by sleeping a second at a time and looking again
 * ({@code BarrierTaskContext.runBarrier}), so every exchange would cost up to a second, ten
 * averaging rounds' worth of a small model's fit. While the task waits, a watcher thread interrupts
 * those sleeps every 0.1 ms; runBarrier takes an interrupted sleep as a cue to look again (it only
 * fails the task when Spark has marked it killed). The interrupt flag is cleared before the caller
 * goes on, so nothing after the exchange sees an interrupt.
 */
final class PromptAllGather implements AutoCloseable {
    private static final long POLL_NANOS = 100_000;

    private final BarrierTaskContext task;
    private final Thread caller;
    private final Object lock = new Object();
    private boolean waiting;
    private boolean closed;

    /** For the calling thread, which must be the task's. */
    PromptAllGather(BarrierTaskContext task) {
        this.task = task;
        this.caller = Thread.currentThread();
        Thread watcher = new Thread(this::watch, "allGather wake-up, task " + task.taskAttemptId());
        watcher.setDaemon(true);
        watcher.start();
    }

    String[] allGather(String message) {
        synchronized (lock) {
            waiting = true;
            lock.notifyAll();
        }
        try {
            return task.allGather(message);
        } finally {
            synchronized (lock) {
                waiting = false;
                Thread.interrupted();
            }
        }
    }

    private void watch() {
        while (true) {
            synchronized (lock) {
                while (!waiting && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                // only the poll's sleep: the rest of allGather neither sleeps nor blocks
                if (caller.getState() == Thread.State.TIMED_WAITING) {
                    caller.interrupt();
                }
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }
}
