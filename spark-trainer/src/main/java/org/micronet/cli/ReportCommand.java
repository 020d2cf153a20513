package org.micronet.cli;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.micronet.sweep.HtmlReport;
import org.micronet.sweep.SweepSummary;
import org.micronet.trainer.RunStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write a self-contained HTML page of a sweep's (or run's) figures and tables.",
                "Top-1 vs MAdds (Figure 1), top-1 vs latency when measured (Figure 5), training curves,",
                "the ablation table and the summary.",
                "Ends with the line 'report: <uri>'."})
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "<dir>", description = "A sweep directory, or a run directory from train (any Hadoop URI).")
    String directory;

    @Option(names = {"-o", "--output"}, paramLabel = "<file.html>", description = "Where to write it (default <dir>/report.html).")
    String output;

    @Override
    public Integer call() throws IOException {
        Configuration conf = new Configuration();
        String html = HtmlReport.render(SweepSummary.collect(directory, conf), conf);
        RunStore dir = new RunStore(directory, conf);
        Path target = output == null ? dir.path("report.html") : new Path(output);
        new RunStore(target.getParent() == null ? "." : target.getParent().toString(), conf)
                .writeString(target.getName(), html);
        System.out.println("report: " + target);
        return 0;
    }
}
