package org.micronet.config;

/** A config that cannot be read or used; the message names the file, the key and the value. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
