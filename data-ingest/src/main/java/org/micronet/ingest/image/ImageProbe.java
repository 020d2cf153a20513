package org.micronet.ingest.image;

import java.nio.charset.StandardCharsets;

/**
 * Identifies an image by its content (never by its file name) and finds the damage decoders
 * forgive silently: libjpeg pads a truncated JPEG with grey and returns it, so a JPEG counts as
 * complete only when its marker walk reaches EOI, and a PNG only when it ends with IEND.
 */
public final class ImageProbe {
    private ImageProbe() {
    }

    public static ImageHeader probe(byte[] b) throws ImageRejectedException {
        if (b.length == 0) {
            throw new ImageRejectedException("zero-byte file");
        }
        if (b.length >= 3 && u8(b, 0) == 0xFF && u8(b, 1) == 0xD8 && u8(b, 2) == 0xFF) {
            return probeJpeg(b);
        }
        if (b.length >= 8 && u8(b, 0) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return probePng(b);
        }
        if (b.length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
            return new ImageHeader(ImageHeader.Format.GIF, u16le(b, 6), u16le(b, 8), 3);
        }
        if (b.length >= 26 && b[0] == 'B' && b[1] == 'M') {
            return new ImageHeader(ImageHeader.Format.BMP, s32le(b, 18), Math.abs(s32le(b, 22)), 3);
        }
        throw new ImageRejectedException("not an image: content starts with " + describeStart(b));
    }

    private static ImageHeader probeJpeg(byte[] b) throws ImageRejectedException {
        int width = -1, height = -1, components = -1;
        int i = 2;
        while (true) {
            // markers may be preceded by fill bytes 0xFF
            while (i < b.length && u8(b, i) == 0xFF && i + 1 < b.length && u8(b, i + 1) == 0xFF) {
                i++;
            }
            if (i + 1 >= b.length) {
                throw new ImageRejectedException("truncated JPEG: ends after " + b.length + " bytes without an EOI marker");
            }
            if (u8(b, i) != 0xFF) {
                throw new ImageRejectedException("corrupt JPEG: expected a marker at byte " + i);
            }
            int marker = u8(b, i + 1);
            i += 2;
            if (marker == 0xD9) {
                break;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue;
            }
            if (i + 1 >= b.length) {
                throw new ImageRejectedException("truncated JPEG: ends inside a marker segment");
            }
            int length = u16be(b, i);
            if (isStartOfFrame(marker) && i + 7 < b.length) {
                height = u16be(b, i + 3);
                width = u16be(b, i + 5);
                components = u8(b, i + 7);
            }
            i += length;
            if (marker == 0xDA) {
                i = skipEntropyCodedData(b, i);
            }
        }
        if (components < 0) {
            throw new ImageRejectedException("corrupt JPEG: no frame header (SOF)");
        }
        if (width <= 0 || height <= 0) {
            throw new ImageRejectedException("corrupt JPEG: frame size " + width + "x" + height);
        }
        return new ImageHeader(ImageHeader.Format.JPEG, width, height, components);
    }

    /** Returns the index of the marker ending a scan: in coded data 0xFF is followed only by 0x00 or RSTn. */
    private static int skipEntropyCodedData(byte[] b, int i) throws ImageRejectedException {
        for (; i + 1 < b.length; i++) {
            if (u8(b, i) == 0xFF) {
                int next = u8(b, i + 1);
                if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7)) {
                    return i;
                }
            }
        }
        throw new ImageRejectedException("truncated JPEG: image data ends after " + b.length + " bytes without an EOI marker");
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static ImageHeader probePng(byte[] b) throws ImageRejectedException {
        if (b.length < 33 || !"IHDR".equals(new String(b, 12, 4, StandardCharsets.US_ASCII))) {
            throw new ImageRejectedException("corrupt PNG: no IHDR chunk");
        }
        if (!"IEND".equals(new String(b, b.length - 8, 4, StandardCharsets.US_ASCII))) {
            throw new ImageRejectedException("truncated PNG: does not end with an IEND chunk");
        }
        int colorType = u8(b, 25);
        int components = switch (colorType) {
            case 0 -> 1;
            case 4 -> 2;
            case 6 -> 4;
            default -> 3;
        };
        return new ImageHeader(ImageHeader.Format.PNG, s32be(b, 16), s32be(b, 20), components);
    }

    private static String describeStart(byte[] b) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            hex.append(String.format("%02x", u8(b, i)));
        }
        return "0x" + hex + " (expected JPEG, PNG, GIF or BMP)";
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16be(byte[] b, int i) {
        return (u8(b, i) << 8) | u8(b, i + 1);
    }

    private static int u16le(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8);
    }

    private static int s32be(byte[] b, int i) {
        return (u16be(b, i) << 16) | u16be(b, i + 2);
    }

    private static int s32le(byte[] b, int i) {
        return u16le(b, i) | (u16le(b, i + 2) << 16);
    }
}
