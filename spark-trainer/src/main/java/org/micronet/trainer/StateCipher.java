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
 * ships inside the task, which that encryption already protects. A message's header (round,
 * whether the sender fitted, its score) is authenticated with it. The nonce is the stage attempt,
 * the round and the sender: unique under a chunk's key, also when Spark re-runs the stage, and a
 * message replayed from another round or worker fails to open.
 */
final class StateCipher {
    static final int TAG_BYTES = 16;

    private final SecretKey key;
    private final int stageAttempt;
    private final Cipher cipher;

    StateCipher(SecretKey key, int stageAttempt) {
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

    /** Encrypts what remains of {@code plain} into {@code sealed}, authenticating {@code header} with it. */
    void seal(int round, int sender, ByteBuffer header, ByteBuffer plain, ByteBuffer sealed) {
        try {
            run(Cipher.ENCRYPT_MODE, round, sender, header, plain, sealed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not encrypt the state of worker " + sender, e);
        }
    }

    /** Decrypts what remains of {@code sealed} into {@code plain}; fails unless worker {@code sender} sealed it for this round. */
    void open(int round, int sender, ByteBuffer header, ByteBuffer sealed, ByteBuffer plain) {
        try {
            run(Cipher.DECRYPT_MODE, round, sender, header, sealed, plain);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("the state received from worker " + sender + " in round " + round
                    + " failed authentication: it was not sealed with this chunk's key for that round", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not decrypt the state of worker " + sender, e);
        }
    }

    private void run(int mode, int round, int sender, ByteBuffer header, ByteBuffer in, ByteBuffer out)
            throws GeneralSecurityException {
        cipher.init(mode, key, nonce(round, sender));
        cipher.updateAAD(header);
        cipher.doFinal(in, out);
    }

    private GCMParameterSpec nonce(int round, int sender) {
        byte[] iv = ByteBuffer.allocate(12).putInt(stageAttempt).putInt(round).putInt(sender).array();
        return new GCMParameterSpec(TAG_BYTES * Byte.SIZE, iv);
    }
}
