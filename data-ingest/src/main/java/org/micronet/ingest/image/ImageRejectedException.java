package org.micronet.ingest.image;

/** An input that is not a usable image; the message is the reject reason written to the manifest. */
public final class ImageRejectedException extends Exception {
    public ImageRejectedException(String reason) {
        super(reason);
    }
}
