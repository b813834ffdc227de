package dev.caravan.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar caravan.jar smoke}: the gateway as configured, fully offline against the demo provider. */
class SmokeCommandTest {

    /**
     * The command quiets logging (root WARN) in the JVM's one logging system; tests that run after it in this
     * JVM read the request log.
     */
    @AfterAll
    static void restoreLogging() {
        LoggingSystem logging = LoggingSystem.get(SmokeCommandTest.class.getClassLoader());
        logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
        logging.setLogLevel("org.apache.camel.spring.boot.SpringBootCamelContext", null);
    }

    @Test
    void theCommandRunsTheSuiteOfflineAndWritesEveryReport(@TempDir Path dir) throws Exception {
        int status = SmokeCommand.run(new String[] {"--models", "demo", "--report=" + dir.resolve("out"),
                "--spring.datasource.url=jdbc:h2:mem:smoke-command;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE",
                "--caravan.ledger.spool-dir=" + dir.resolve("spool"),
                "--caravan.dead-letters.dir=" + dir.resolve("dead-letters")});

        assertThat(status).isZero();
        JsonNode report = new ObjectMapper().readTree(dir.resolve("out/report.json").toFile());
        assertThat(report.path("passed").asBoolean()).isTrue();
        assertThat(report.path("routes").get(0).path("route").asText()).isEqualTo("demo/demo");
        assertThat(report.path("routes").get(0).path("accepted").asInt()).isEqualTo(8);
        assertThat(dir.resolve("out/junit.xml")).exists();
        assertThat(Files.readString(dir.resolve("out/report.html"))).contains("<svg");
    }

    @Test
    void badArgumentsExitWithTwo() {
        assertThat(SmokeCommand.run(new String[] {"--models"})).isEqualTo(2);
        assertThat(SmokeCommand.run(new String[] {"extra"})).isEqualTo(2);
    }
}
