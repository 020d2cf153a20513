package org.micronet.trainer;

import org.junit.jupiter.api.Test;

import javax.crypto.SecretKey;
import java.nio.ByteBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A sealed piece of a state opens only as what its sender sealed, for the message, piece, sender,
 * recipient, stage attempt and header it was sealed with, and the bytes on the wire do not show it.
 */
class StateCipherTest {
    private static final SecretKey KEY = StateCipher.newKey();

    @Test
    void aSealedPieceOpensAsSentAndOnlyForItsMessagePieceSenderRecipientAttemptAndHeader() {
        byte[] state = new byte[100_003];
        new Random(7).nextBytes(state);
        ByteBuffer header = ByteBuffer.allocate(16).putInt(5).putInt(1).putDouble(2.5).flip();
        ByteBuffer sealed = ByteBuffer.allocateDirect(state.length + StateCipher.TAG_BYTES);
        new StateCipher(KEY, 0).seal(5, 3, 1, 2, header.duplicate(), ByteBuffer.wrap(state), sealed);
        sealed.flip();
        assertEquals(state.length + StateCipher.TAG_BYTES, sealed.remaining());
        byte[] wire = new byte[state.length];
        sealed.duplicate().get(wire);
        assertFalse(contains(wire, java.util.Arrays.copyOfRange(state, 5000, 5016)), "the state travels encrypted");

        ByteBuffer opened = ByteBuffer.allocateDirect(state.length);
        new StateCipher(KEY, 0).open(5, 3, 1, 2, header.duplicate(), sealed.duplicate(), opened);
        byte[] back = new byte[state.length];
        opened.flip().get(back);
        assertArrayEquals(state, back);

        StateCipher receiver = new StateCipher(KEY, 0);
        assertRefused(() -> receiver.open(6, 3, 1, 2, header.duplicate(), sealed.duplicate(), ByteBuffer.allocateDirect(state.length)),
                "another message");
        assertRefused(() -> receiver.open(5, 4, 1, 2, header.duplicate(), sealed.duplicate(), ByteBuffer.allocateDirect(state.length)),
                "another piece");
        assertRefused(() -> receiver.open(5, 3, 0, 2, header.duplicate(), sealed.duplicate(), ByteBuffer.allocateDirect(state.length)),
                "another sender");
        assertRefused(() -> receiver.open(5, 3, 1, 0, header.duplicate(), sealed.duplicate(), ByteBuffer.allocateDirect(state.length)),
                "another recipient");
        assertRefused(() -> new StateCipher(KEY, 1).open(5, 3, 1, 2, header.duplicate(), sealed.duplicate(),
                ByteBuffer.allocateDirect(state.length)), "a re-run of the stage");
        ByteBuffer otherScore = ByteBuffer.allocate(16).putInt(5).putInt(1).putDouble(0.5).flip();
        assertRefused(() -> receiver.open(5, 3, 1, 2, otherScore, sealed.duplicate(), ByteBuffer.allocateDirect(state.length)),
                "a changed header");
        ByteBuffer flipped = ByteBuffer.allocateDirect(sealed.remaining()).put(sealed.duplicate()).flip();
        flipped.put(1234, (byte) (flipped.get(1234) ^ 1));
        assertRefused(() -> receiver.open(5, 3, 1, 2, header.duplicate(), flipped, ByteBuffer.allocateDirect(state.length)),
                "a changed byte");
        assertRefused(() -> new StateCipher(StateCipher.newKey(), 0).open(5, 3, 1, 2, header.duplicate(), sealed.duplicate(),
                ByteBuffer.allocateDirect(state.length)), "another chunk's key");
    }

    private static void assertRefused(Runnable open, String what) {
        IllegalStateException e = assertThrows(IllegalStateException.class, open::run, what);
        assertTrue(e.getMessage().contains("failed authentication"), what + ": " + e.getMessage());
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
