package org.micronet.models;

/** A model config that cannot be read or built; the message names the file, key and value. */
public class ModelConfigException extends IllegalArgumentException {
    public ModelConfigException(String message) {
        super(message);
    }

    public ModelConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
