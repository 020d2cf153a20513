package org.micronet.ingest.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads the MATLAB level-5 MAT files of the ImageNet devkit (meta.mat): numeric arrays become
 * double[], char arrays String, struct arrays List&lt;Map&lt;field, value&gt;&gt;, cells List. Enough for
 * the devkit, not a general MATLAB reader (no sparse, object or complex arrays).
 */
final class MatFile {
    private static final int MI_INT8 = 1, MI_UINT8 = 2, MI_INT16 = 3, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6,
            MI_SINGLE = 7, MI_DOUBLE = 9, MI_INT64 = 12, MI_UINT64 = 13, MI_MATRIX = 14, MI_COMPRESSED = 15,
            MI_UTF8 = 16;
    private static final int MX_CELL = 1, MX_STRUCT = 2, MX_CHAR = 4;

    private MatFile() {
    }

    /** Variable name to value for every variable in the file. */
    static Map<String, Object> read(byte[] file) throws IOException {
        if (file.length < 128) {
            throw new IOException("not a MAT-file: " + file.length + " bytes, shorter than the 128-byte header");
        }
        ByteOrder order = file[126] == 'I' && file[127] == 'M' ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        if (!(file[126] == 'I' && file[127] == 'M') && !(file[126] == 'M' && file[127] == 'I')) {
            throw new IOException("not a level-5 MAT-file: no endian indicator at byte 126");
        }
        ByteBuffer buf = ByteBuffer.wrap(file, 128, file.length - 128).slice().order(order);
        Map<String, Object> variables = new LinkedHashMap<>();
        while (buf.remaining() >= 8) {
            readVariable(buf, variables);
        }
        return variables;
    }

    private static void readVariable(ByteBuffer buf, Map<String, Object> into) throws IOException {
        int type = buf.getInt();
        int size = buf.getInt();
        ByteBuffer body = slice(buf, size);
        skipPadding(buf, size);
        if (type == MI_COMPRESSED) {
            ByteBuffer inflated = ByteBuffer.wrap(inflate(body)).order(buf.order());
            readVariable(inflated, into);
        } else if (type == MI_MATRIX) {
            String[] name = new String[1];
            Object value = readMatrix(body, name);
            into.put(name[0], value);
        }
    }

    /** Parses a miMATRIX body; name[0] receives the array name. */
    private static Object readMatrix(ByteBuffer m, String[] name) throws IOException {
        if (!m.hasRemaining()) {
            return null;
        }
        int flags = (int) ((long[]) element(m))[0];
        int mxClass = flags & 0xFF;
        long[] dims = (long[]) element(m);
        name[0] = new String((byte[]) elementBytes(m), StandardCharsets.UTF_8);
        int count = 1;
        for (long d : dims) {
            count *= (int) d;
        }
        switch (mxClass) {
            case MX_CHAR:
                return readChars(m);
            case MX_CELL: {
                List<Object> cells = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    cells.add(readSubMatrix(m));
                }
                return cells;
            }
            case MX_STRUCT: {
                int fieldLength = (int) ((long[]) element(m))[0];
                byte[] fieldBytes = elementBytes(m);
                List<String> fields = new ArrayList<>();
                for (int off = 0; off + fieldLength <= fieldBytes.length; off += fieldLength) {
                    int end = off;
                    while (end < off + fieldLength && fieldBytes[end] != 0) end++;
                    fields.add(new String(fieldBytes, off, end - off, StandardCharsets.UTF_8));
                }
                List<Map<String, Object>> structs = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    Map<String, Object> struct = new LinkedHashMap<>();
                    for (String field : fields) {
                        struct.put(field, readSubMatrix(m));
                    }
                    structs.add(struct);
                }
                return structs;
            }
            default:
                if (mxClass >= 6 && mxClass <= 15) {
                    return toDoubles(element(m));
                }
                throw new IOException("unsupported MATLAB array class " + mxClass + " in '" + name[0] + "'");
        }
    }

    private static Object readSubMatrix(ByteBuffer m) throws IOException {
        int type = m.getInt();
        int size = m.getInt();
        if (type != MI_MATRIX) {
            throw new IOException("expected a miMATRIX element inside a struct or cell, found type " + type);
        }
        ByteBuffer body = slice(m, size);
        skipPadding(m, size);
        return readMatrix(body, new String[1]);
    }

    private static String readChars(ByteBuffer m) throws IOException {
        int type = peekType(m);
        Object data = element(m);
        if (type == MI_UTF8 || type == MI_UINT8 || type == MI_INT8) {
            return new String(toBytes(data), StandardCharsets.UTF_8);
        }
        long[] codes = (long[]) data;
        StringBuilder s = new StringBuilder();
        for (long c : codes) {
            s.append((char) c);
        }
        return s.toString();
    }

    private static int peekType(ByteBuffer m) {
        int word = m.getInt(m.position());
        return (word >>> 16) != 0 ? word & 0xFFFF : word;
    }

    private static byte[] elementBytes(ByteBuffer m) throws IOException {
        return toBytes(element(m));
    }

    /** Reads one data element (normal or small format) as long[] for integers, double[] for floats. */
    private static Object element(ByteBuffer m) throws IOException {
        int word = m.getInt();
        int type, size;
        ByteBuffer data;
        if ((word >>> 16) != 0) {
            type = word & 0xFFFF;
            size = word >>> 16;
            data = slice(m, 4);
        } else {
            type = word;
            size = m.getInt();
            data = slice(m, size);
            skipPadding(m, size);
        }
        data.limit(size);
        int width = switch (type) {
            case MI_INT8, MI_UINT8, MI_UTF8 -> 1;
            case MI_INT16, MI_UINT16 -> 2;
            case MI_INT32, MI_UINT32, MI_SINGLE -> 4;
            case MI_DOUBLE, MI_INT64, MI_UINT64 -> 8;
            default -> throw new IOException("unsupported MAT data type " + type);
        };
        int n = size / width;
        if (type == MI_DOUBLE || type == MI_SINGLE) {
            double[] out = new double[n];
            for (int i = 0; i < n; i++) out[i] = type == MI_DOUBLE ? data.getDouble() : data.getFloat();
            return out;
        }
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case MI_INT8, MI_UTF8 -> data.get();
                case MI_UINT8 -> data.get() & 0xFF;
                case MI_INT16 -> data.getShort();
                case MI_UINT16 -> data.getShort() & 0xFFFF;
                case MI_INT32 -> data.getInt();
                case MI_UINT32 -> data.getInt() & 0xFFFFFFFFL;
                default -> data.getLong();
            };
        }
        return out;
    }

    private static double[] toDoubles(Object data) {
        if (data instanceof double[] d) {
            return d;
        }
        long[] l = (long[]) data;
        double[] out = new double[l.length];
        for (int i = 0; i < l.length; i++) out[i] = l[i];
        return out;
    }

    private static byte[] toBytes(Object data) {
        long[] l = (long[]) data;
        byte[] out = new byte[l.length];
        for (int i = 0; i < l.length; i++) out[i] = (byte) l[i];
        return out;
    }

    private static ByteBuffer slice(ByteBuffer buf, int size) throws IOException {
        if (size < 0 || size > buf.remaining()) {
            throw new IOException("truncated MAT-file: element of " + size + " bytes, " + buf.remaining() + " left");
        }
        ByteBuffer s = buf.slice().order(buf.order());
        s.limit(size);
        buf.position(buf.position() + size);
        return s;
    }

    private static void skipPadding(ByteBuffer buf, int size) {
        int pad = (8 - size % 8) % 8;
        buf.position(Math.min(buf.limit(), buf.position() + pad));
    }

    private static byte[] inflate(ByteBuffer body) throws IOException {
        byte[] in = new byte[body.remaining()];
        body.get(in);
        Inflater inflater = new Inflater();
        inflater.setInput(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length * 4);
        byte[] chunk = new byte[65536];
        try {
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IOException("truncated compressed element in MAT-file");
                }
                out.write(chunk, 0, n);
            }
        } catch (DataFormatException e) {
            throw new IOException("corrupt compressed element in MAT-file: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        return out.toByteArray();
    }
}
