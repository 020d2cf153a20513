package org.micronet.complexity;

/**
 * Parameters and multiply-adds of one layer of a built model. {@code madds} counts convs and
 * linears (Kh*Kw*(Cin/groups)*Cout*Hout*Wout, in*out); {@code fusionMadds} counts DY-Shift-Max's
 * elementwise fusion (H*W*C*J*K), which the paper's own figures include.
 */
public record LayerCost(String name, String type, long cin, long cout, long groups, String kernel, String stride,
                        String output, long params, long madds, long fusionMadds) {
}
