package org.micronet.cli;

import picocli.CommandLine;

final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = MicronetCli.class.getPackage().getImplementationVersion();
        return new String[]{"micronet " + (v == null ? "(development build)" : v)};
    }
}
