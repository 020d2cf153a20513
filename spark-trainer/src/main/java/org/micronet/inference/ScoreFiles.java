package org.micronet.inference;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import java.io.IOException;
import java.util.List;

/**
 * The rows of score: path, then the top-k class ids, names and probabilities, as Parquet (lists
 * in the standard three-level layout that Spark, pandas and DuckDB read as arrays) or as CSV
 * (columns id_1..id_k, name_1..name_k, probability_1..probability_k).
 */
final class ScoreFiles {
    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message score {
              required binary path (STRING);
              required group ids (LIST) { repeated group list { required binary element (STRING); } }
              required group names (LIST) { repeated group list { required binary element (STRING); } }
              required group probabilities (LIST) { repeated group list { required double element; } }
            }""");

    private ScoreFiles() {
    }

    static void writeParquet(Path file, List<Classifier.Prediction> rows, Configuration conf) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(file, conf))
                .withType(SCHEMA).withConf(conf).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
            for (Classifier.Prediction p : rows) {
                Group row = groups.newGroup().append("path", p.image());
                Group ids = row.addGroup("ids");
                Group names = row.addGroup("names");
                Group probabilities = row.addGroup("probabilities");
                for (Classifier.Scored s : p.top()) {
                    ids.addGroup("list").append("element", s.id());
                    names.addGroup("list").append("element", s.name());
                    probabilities.addGroup("list").append("element", s.probability());
                }
                writer.write(row);
            }
        }
    }

    static String csv(List<Classifier.Prediction> rows, int top) {
        StringBuilder out = new StringBuilder("path");
        for (String column : List.of("id", "name", "probability")) {
            for (int r = 1; r <= top; r++) out.append(',').append(column).append('_').append(r);
        }
        out.append('\n');
        for (Classifier.Prediction p : rows) {
            out.append(field(p.image()));
            p.top().forEach(s -> out.append(',').append(field(s.id())));
            p.top().forEach(s -> out.append(',').append(field(s.name())));
            p.top().forEach(s -> out.append(',').append(s.probability()));
            out.append('\n');
        }
        return out.toString();
    }

    static String field(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
