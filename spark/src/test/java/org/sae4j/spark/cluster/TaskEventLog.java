package org.sae4j.spark.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationStart;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.TaskInfo;

/**
 * A driver-side listener ({@code spark.extraListeners}) for {@link StandaloneClusterIT}: one line per task start,
 * task end and executor change, written and flushed as it happens, so that the test can kill a worker at a known
 * point of a job. Spark's own event log buffers its task events, so it cannot serve as that clock. The file is
 * {@code spark.sae4j.taskEventLog}; the first line is the driver's pid, the
 * next the application's id.
 */
public final class TaskEventLog extends SparkListener {
    private final Writer out;

    public TaskEventLog(SparkConf conf) {
        try {
            out = Files.newBufferedWriter(Path.of(conf.get("spark.sae4j.taskEventLog")), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        line("driver " + ProcessHandle.current().pid());
    }

    @Override
    public void onApplicationStart(SparkListenerApplicationStart e) {
        line("app " + e.appId().get());
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart e) {
        TaskInfo t = e.taskInfo();
        line("start " + e.stageId() + " " + e.stageAttemptId() + " " + t.index() + " " + t.taskId() + " "
                + t.executorId());
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        TaskInfo t = e.taskInfo();
        line("end " + e.stageId() + " " + e.stageAttemptId() + " " + t.index() + " " + t.taskId() + " "
                + t.executorId() + " " + e.reason().getClass().getSimpleName().replace("$", ""));
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded e) {
        line("added " + e.executorId());
    }

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
        line("removed " + e.executorId());
    }

    private synchronized void line(String s) {
        try {
            out.write(s + "\n");
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
