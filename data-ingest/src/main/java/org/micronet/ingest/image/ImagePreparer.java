package org.micronet.ingest.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ingest's per-image step: identify by content, decode, convert to RGB, shrink the short
 * side to the target (enlarge only when asked) and re-encode as JPEG. A JPEG that is already
 * 3-channel and needs no resizing keeps its original bytes, after a full decode proves it
 * readable, so that small images do not lose quality to a second compression.
 */
public final class ImagePreparer {
    private final int shortSide;
    private final boolean upscale;
    private final int jpegQuality;
    private final ImageCodecs codecs;

    public ImagePreparer(int shortSide, boolean upscale, int jpegQuality, ImageCodecs codecs) {
        this.shortSide = shortSide;
        this.upscale = upscale;
        this.jpegQuality = jpegQuality;
        this.codecs = codecs;
    }

    /** The prepared JPEG, its size, and what was converted (empty when nothing was). */
    public record Prepared(byte[] jpeg, int width, int height, List<String> conversions) {
    }

    /** @param fileName used only to notice content that does not match its extension */
    public Prepared prepare(byte[] bytes, String fileName) throws ImageRejectedException {
        ImageHeader header = ImageProbe.probe(bytes);
        List<String> conversions = new ArrayList<>();
        if (header.format() != ImageHeader.Format.JPEG) {
            String name = fileName.toLowerCase(Locale.ROOT);
            boolean jpegName = name.endsWith(".jpeg") || name.endsWith(".jpg");
            conversions.add(header.format() + " content" + (jpegName ? " in a file named as JPEG" : "") + ", re-encoded as JPEG");
        }
        if (header.components() == 1 || header.components() == 2) {
            conversions.add("grayscale converted to RGB");
        } else if (header.format() == ImageHeader.Format.JPEG && header.components() == 4) {
            conversions.add("CMYK converted to RGB");
        }
        int[] target = targetSize(header.width(), header.height());
        boolean resize = target[0] != header.width() || target[1] != header.height();
        RgbImage out = codecs.decode(bytes, header, Crop.resize(header, target[0], target[1]));
        if (!resize && conversions.isEmpty()) {
            return new Prepared(bytes, header.width(), header.height(), conversions);
        }
        try {
            return new Prepared(codecs.encodeJpeg(out, jpegQuality), out.width, out.height, conversions);
        } catch (Exception e) {
            throw new ImageRejectedException("could not re-encode as JPEG: " + e.getMessage());
        }
    }

    /** Output size keeping the aspect ratio, with the short side at the target unless that would enlarge. */
    int[] targetSize(int width, int height) {
        int small = Math.min(width, height);
        if (small == shortSide || (small < shortSide && !upscale)) {
            return new int[]{width, height};
        }
        double scale = (double) shortSide / small;
        return new int[]{
                width <= height ? shortSide : Math.max(1, (int) Math.round(width * scale)),
                height <= width ? shortSide : Math.max(1, (int) Math.round(height * scale))};
    }
}
