package dev.caravan.smoke;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code java -jar caravan.jar smoke [--models a,b] [--report dir] [--any.spring.property=value]}: starts
 * the gateway on a free loopback port with its usual configuration, runs the smoke suite through it,
 * prints a live progress line and the table, writes the reports, and stops.
 */
public final class SmokeCommand {

    private static final String USAGE = "usage: smoke [--models a,b] [--report dir] [--property=value ...]";

    private SmokeCommand() {
    }

    /** @return the exit status: 0 when every required check passed, 1 when one failed, 2 on bad arguments */
    public static int run(String[] args) {
        List<String> models = List.of();
        Path reportDir = Path.of("smoke-report");
        List<String> springArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            String name = equals < 0 ? args[i] : args[i].substring(0, equals);
            String value = equals < 0 ? null : args[i].substring(equals + 1);
            if (name.equals("--models") || name.equals("--report")) {
                if (value == null && i + 1 < args.length) {
                    value = args[++i];
                }
                if (value == null) {
                    System.err.println(USAGE);
                    return 2;
                }
                if (name.equals("--models")) {
                    models = Arrays.stream(value.split(",")).map(String::strip).filter(m -> !m.isEmpty()).toList();
                } else {
                    reportDir = Path.of(value);
                }
            } else if (name.startsWith("--") && value != null) {
                springArgs.add(args[i]);
            } else {
                System.err.println(USAGE);
                return 2;
            }
        }
        springArgs.add("--caravan.host=127.0.0.1");
        springArgs.add("--caravan.port=" + freePort());
        // the suite uses the gateway's own key; no client key is needed, nor printed
        byte[] unusedKey = new byte[24];
        new SecureRandom().nextBytes(unusedKey);
        defaultArg(springArgs, "--caravan.api-key", HexFormat.of().formatHex(unusedKey));
        // the progress line and the table, not a log line per request
        defaultArg(springArgs, "--logging.level.root", "WARN");
        defaultArg(springArgs, "--logging.level.org.apache.camel.spring.boot.SpringBootCamelContext", "ERROR");
        try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(dev.caravan.CaravanApplication.class)
                .run(springArgs.toArray(String[]::new))) {
            PrintStream progress = System.err;
            SmokeReport report;
            try {
                report = gateway.getBean(SmokeRunner.class).run(models,
                        line -> progress.print("\r\033[K" + line));
            } catch (IllegalArgumentException e) {
                System.err.println("\n" + e.getMessage());
                return 2;
            }
            progress.println("\r\033[Kdone");
            System.out.print(report.consoleTable());
            report.write(reportDir);
            System.out.println("Reports: " + reportDir.resolve("report.json") + ", " + reportDir.resolve("junit.xml")
                    + ", " + reportDir.resolve("report.html"));
            return report.passed() ? 0 : 1;
        } catch (IOException e) {
            System.err.println("Cannot write the reports: " + e.getMessage());
            return 2;
        }
    }

    private static void defaultArg(List<String> args, String name, String value) {
        if (args.stream().noneMatch(arg -> arg.startsWith(name + "="))) {
            args.add(name + "=" + value);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
