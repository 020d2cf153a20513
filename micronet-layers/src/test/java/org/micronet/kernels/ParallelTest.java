package org.micronet.kernels;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The kernel team: every item once, on more than one thread, failures and nesting, and no allocation per loop. */
class ParallelTest {
    @BeforeEach
    void twoThreads() {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2 && Parallel.threads() >= 2,
                "needs two CPUs and micronet.kernels.threads unset or >= 2");
        Parallel.limitThreads(2);
    }

    @AfterEach
    void allThreads() {
        Parallel.limitThreads(Integer.MAX_VALUE);
    }

    @Test
    void runsEveryItemOnceAndSharesThemWithAHelper() {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        for (int count : new int[]{2, 3, 7, 40, 129, 1000}) {
            for (int repeat = 0; repeat < 200; repeat++) {
                AtomicIntegerArray seen = new AtomicIntegerArray(count);
                Parallel.forEach(count, i -> {
                    seen.incrementAndGet(i);
                    threads.add(Thread.currentThread().getName());
                    spin(2_000);
                });
                for (int i = 0; i < count; i++) {
                    assertEquals(1, seen.get(i), "item " + i + " of " + count);
                }
            }
        }
        assertTrue(threads.stream().anyMatch(t -> t.startsWith("micronet-kernels-")), "only " + threads + " ran items");
        assertTrue(threads.contains(Thread.currentThread().getName()), "the caller took no share: " + threads);
    }

    @Test
    void aFailingItemReachesTheCallerAndTheTeamGoesOn() {
        IllegalStateException thrown = new IllegalStateException("item 37");
        for (int repeat = 0; repeat < 50; repeat++) {
            IllegalStateException caught = assertThrows(IllegalStateException.class, () -> Parallel.forEach(64, i -> {
                spin(5_000);
                if (i == 37) {
                    throw thrown;
                }
            }));
            assertSame(thrown, caught);
        }
        AtomicIntegerArray after = new AtomicIntegerArray(64);
        Parallel.forEach(64, after::incrementAndGet);
        for (int i = 0; i < 64; i++) {
            assertEquals(1, after.get(i), "item " + i + " after the failures");
        }
    }

    @Test
    void loopsInsideLoopsAndCallersAtOnceRunEveryItemOnce() throws InterruptedException {
        int outer = 16, inner = 32;
        AtomicIntegerArray seen = new AtomicIntegerArray(outer * inner);
        Runnable nested = () -> Parallel.forEach(outer, o -> Parallel.forEach(inner, i -> {
            seen.incrementAndGet(o * inner + i);
            spin(1_000);
        }));
        CountDownLatch start = new CountDownLatch(1);
        Thread second = new Thread(() -> {
            try {
                start.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            nested.run();
        });
        second.start();
        start.countDown();
        nested.run();
        second.join();
        for (int i = 0; i < outer * inner; i++) {
            assertEquals(2, seen.get(i), "item " + i);
        }
    }

    /**
     * Two Spark workers of one JVM, each allowed two threads, get a helper each: while the first
     * caller's loop holds its team, the second caller's loop waits in its first item for a helper
     * to take another, which a caller running alone never sees.
     */
    @Test
    void aSecondCallerLoopingAtOnceGetsAHelperToo() throws InterruptedException {
        CountDownLatch firstLoopRuns = new CountDownLatch(1), secondLoopDone = new CountDownLatch(1);
        AtomicBoolean helped = new AtomicBoolean();
        Thread first = new Thread(() -> Parallel.forEach(64, i -> {
            if (i == 0) {
                firstLoopRuns.countDown();
                await(secondLoopDone);
            }
        }));
        first.start();
        await(firstLoopRuns);
        long deadline = System.nanoTime() + 5_000_000_000L;
        Parallel.forEach(64, i -> {
            if (Thread.currentThread().getName().startsWith("micronet-kernels-")) {
                helped.set(true);
            }
            while (!helped.get() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        });
        secondLoopDone.countDown();
        first.join();
        assertTrue(helped.get(), "the second caller's loop ran alone for 5 s");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final float[] DATA = new float[4096];
    private static final IntConsumer SCALE = i -> {
        for (int j = i * 64; j < (i + 1) * 64; j++) {
            DATA[j] = DATA[j] * 0.5f + 1;
        }
    };

    /** The common fork-join pool's parallel streams allocated their split tasks on every loop. */
    @Test
    void aLoopAllocatesNothing() {
        com.sun.management.ThreadMXBean bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Parallel.forEach(64, SCALE);  // starts the team
        long[] ids = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("micronet-kernels-")
                || t == Thread.currentThread()).mapToLong(Thread::getId).toArray();
        long perLoop = Long.MAX_VALUE;
        for (int window = 0; window < 20 && perLoop > 0; window++) {
            for (int i = 0; i < 20_000; i++) {
                Parallel.forEach(64, SCALE);
            }
            long before = total(bean.getThreadAllocatedBytes(ids));
            for (int i = 0; i < 1_000; i++) {
                Parallel.forEach(64, SCALE);
            }
            perLoop = (total(bean.getThreadAllocatedBytes(ids)) - before) / 1_000;
        }
        assertTrue(ids.length >= 2, "no helper thread was running");
        assertEquals(0, perLoop, "bytes a loop");
    }

    private static long total(long[] bytes) {
        long sum = 0;
        for (long b : bytes) {
            sum += b;
        }
        return sum;
    }

    private static void spin(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
