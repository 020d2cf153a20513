package org.micronet.trainer;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * Seals the states workers send each other over their own connections ({@link PeerExchange})
 * when Spark's network encryption is on: AES-GCM under a key the driver draws for each chunk and
 * ships inside the task, which that encryption already protects. A message is sealed piece by
 * piece, and its header (its number, whether the sender fitted, its score) is authenticated with
 * each piece. The nonce is the stage attempt, the message's number, the piece's, its sender and
 * its recipient: each message a worker sends in a round is another part of its state for each
 * peer, so all five are needed for a nonce unique under a chunk's key, also when Spark re-runs the
 * stage; a piece replayed from another round, phase, place in the message, sender or recipient
 * fails to open.
 */
final class StateCipher {
    static final int TAG_BYTES = 16;

    private final SecretKey key;
    private final int stageAttempt;
    private final Cipher cipher;

    StateCipher(SecretKey key, int stageAttempt) {
        if (stageAttempt > Character.MAX_VALUE) {
            throw new IllegalArgumentException("stage attempt " + stageAttempt + ": at most " + (Character.MAX_VALUE + 1)
                    + " attempts of a stage can seal their exchange");
        }
        this.key = key;
        this.stageAttempt = stageAttempt;
        try {
            cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no AES/GCM cipher", e);
        }
    }

    /** A fresh key for one chunk. */
    static SecretKey newKey() {
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES");
            generator.init(256, new SecureRandom());
            return generator.generateKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make AES keys", e);
        }
    }

    /**
     * Encrypts what remains of {@code plain} into {@code sealed}, authenticating {@code header} with
     * it, as piece {@code piece} of message number {@code message} from worker {@code sender} to
     * worker {@code recipient}.
     */
    void seal(int message, int piece, int sender, int recipient, ByteBuffer header, ByteBuffer plain, ByteBuffer sealed) {
        try {
            run(Cipher.ENCRYPT_MODE, message, piece, sender, recipient, header, plain, sealed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not encrypt the state of worker " + sender, e);
        }
    }

    /**
     * Decrypts what remains of {@code sealed} into {@code plain}; fails unless worker {@code sender}
     * sealed it as piece {@code piece} of message {@code message} for worker {@code recipient}.
     */
    void open(int message, int piece, int sender, int recipient, ByteBuffer header, ByteBuffer sealed, ByteBuffer plain) {
        try {
            run(Cipher.DECRYPT_MODE, message, piece, sender, recipient, header, sealed, plain);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("piece " + piece + " of message " + message + " from worker " + sender
                    + " to worker " + recipient + " failed authentication: it was not sealed with this chunk's key"
                    + " as that piece", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not decrypt the state of worker " + sender, e);
        }
    }

    private void run(int mode, int message, int piece, int sender, int recipient, ByteBuffer header, ByteBuffer in,
                     ByteBuffer out) throws GeneralSecurityException {
        cipher.init(mode, key, nonce(message, piece, sender, recipient));
        cipher.updateAAD(header);
        cipher.doFinal(in, out);
    }

    /**
     * Twelve bytes: the attempt in two, the message in four, then piece, sender and recipient in two
     * each (a barrier stage has far fewer tasks, and a piece of 256 KiB leaves room for states of 16 GiB).
     */
    private GCMParameterSpec nonce(int message, int piece, int sender, int recipient) {
        if (piece > Character.MAX_VALUE || sender > Character.MAX_VALUE || recipient > Character.MAX_VALUE) {
            throw new IllegalArgumentException("piece " + piece + ", workers " + sender + " and " + recipient
                    + ": at most " + (Character.MAX_VALUE + 1) + " pieces and workers can seal their exchange");
        }
        byte[] iv = ByteBuffer.allocate(12).putChar((char) stageAttempt).putInt(message).putChar((char) piece)
                .putChar((char) sender).putChar((char) recipient).array();
        return new GCMParameterSpec(TAG_BYTES * Byte.SIZE, iv);
    }
}
