/**
 * MicroNet's compute kernels, on plain arrays (they know nothing of ND4J or DL4J).
 *
 * <ul>
 *   <li>This package: the double-precision references, plain loops, forward and backward.
 *       Gradient checks run through them (DL4J in DOUBLE routes here), and every fast kernel
 *       is tested against them.</li>
 *   <li>{@code api}: one interface per operation for the float32 fast path.</li>
 *   <li>{@code simd}: the float32 implementations on the JDK's Vector API, the only package
 *       that imports {@code jdk.incubator.vector}; loaded through {@link org.micronet.kernels.KernelProvider}.</li>
 * </ul>
 */
package org.micronet.kernels;
