package dev.caravan.reload;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * The files hot reload watches, read whole as text: the route files the {@code file:} entries of
 * {@code camel.main.routes-include-pattern} match, and the configuration files ({@link ConfigFiles}); and, for the
 * start check only, the route files of its {@code classpath:} entries.
 */
final class WatchedFiles {

    /** The file: entries of the include pattern, as written. */
    private final List<String> routeIncludes = new ArrayList<>();
    /** Its classpath: entries: not watched (they cannot change), but checked at start like the rest. */
    private final List<String> classPathIncludes = new ArrayList<>();
    private final List<PathMatcher> routePatterns = new ArrayList<>();
    private final List<Path> routeDirs = new ArrayList<>();
    private final ConfigFiles config;

    WatchedFiles(ConfigurableEnvironment environment) {
        config = new ConfigFiles(environment);
        String include = environment.getProperty("camel.main.routes-include-pattern", "");
        for (String pattern : include.split(",")) {
            String p = pattern.strip();
            if (p.startsWith("file:")) {
                routeIncludes.add(p);
                Path glob = Path.of(p.substring("file:".length())).toAbsolutePath().normalize();
                routePatterns.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
                routeDirs.add(baseDir(glob));
            } else if (p.startsWith("classpath:")) {
                classPathIncludes.add(p);
            }
        }
    }

    /** Whether there is nothing on the file system to watch. */
    boolean none() {
        return routePatterns.isEmpty() && config.paths().isEmpty();
    }

    /** The file: entries of {@code camel.main.routes-include-pattern}, as written. */
    List<String> routeIncludes() {
        return List.copyOf(routeIncludes);
    }

    /** The configuration files as property sources: what a reload reads, checks and swaps. */
    ConfigFiles config() {
        return config;
    }

    /** Where the route files are, and the configuration files, as logged. */
    String describe() {
        return routeDirs + " and " + config.paths();
    }

    static Map<Path, String> allFiles(Map<Path, String> routeFiles, Map<Path, String> configFiles) {
        Map<Path, String> all = new TreeMap<>(routeFiles);
        all.putAll(configFiles);
        return all;
    }

    /** The route files, each with its text. */
    Map<Path, String> routeFiles() throws IOException {
        Map<Path, String> files = new TreeMap<>();
        for (int i = 0; i < routeDirs.size(); i++) {
            PathMatcher matcher = routePatterns.get(i);
            if (!Files.isDirectory(routeDirs.get(i))) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(routeDirs.get(i))) {
                for (Path path : paths.filter(Files::isRegularFile).filter(matcher::matches).toList()) {
                    files.put(path, read(path));
                }
            }
        }
        return files;
    }

    /** The route files the classpath: entries name, parsed; named {@code classpath:<folder>/<file>}. */
    List<RouteFile> classPathRouteFiles() throws IOException, ReloadRejected {
        List<RouteFile> files = new ArrayList<>();
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(
                WatchedFiles.class.getClassLoader());
        for (String pattern : classPathIncludes) {
            String folder = pattern.substring(0, pattern.lastIndexOf('/') + 1);
            for (Resource resource : resolver.getResources(pattern)) {
                files.add(RouteFile.parse(folder + resource.getFilename(),
                        resource.getContentAsString(StandardCharsets.UTF_8)));
            }
        }
        return files;
    }

    /** The configuration files, each with its text. */
    Map<Path, String> configFiles() {
        Map<Path, String> files = new TreeMap<>();
        for (Path path : config.paths()) {
            files.put(path, read(path));
        }
        return files;
    }

    /**
     * Marks the content of a file that is not UTF-8 text or cannot be read: no text decodes to an unpaired
     * surrogate, so no file's text starts with it. It is followed by the reason and, for a file that is not
     * text, the digest of its bytes: the set is rejected once and not again until the file changes.
     */
    private static final char UNREADABLE = '\uD800';

    /** The file's text, or {@link #UNREADABLE} and why it has none. */
    static String read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            return UNREADABLE + "cannot be read (" + e.getClass().getSimpleName() + ")";
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return UNREADABLE + "is not UTF-8 text (a binary file?); " + bytes.length + " bytes, sha256 "
                    + sha256(bytes);
        }
    }

    /** @throws ReloadRejected naming the first file of the set that is not text or cannot be read */
    static void readable(Map<Path, String> files) throws ReloadRejected {
        for (Map.Entry<Path, String> file : files.entrySet()) {
            String content = file.getValue();
            if (!content.isEmpty() && content.charAt(0) == UNREADABLE) {
                String reason = content.substring(1);
                int digest = reason.indexOf("; ");
                throw new ReloadRejected(name(file.getKey()), 0, digest < 0 ? reason : reason.substring(0, digest));
            }
        }
    }

    static List<RouteFile> parse(Map<Path, String> files) throws ReloadRejected {
        readable(files);
        List<RouteFile> parsed = new ArrayList<>();
        for (Map.Entry<Path, String> file : files.entrySet()) {
            parsed.add(RouteFile.parse(name(file.getKey()), file.getValue()));
        }
        return parsed;
    }

    /** The path as logged: relative to the working directory when under it. */
    static String name(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        Path absolute = path.toAbsolutePath().normalize();
        return absolute.startsWith(cwd) ? cwd.relativize(absolute).toString() : absolute.toString();
    }

    /** The directory above the pattern's first wildcard. */
    private static Path baseDir(Path glob) {
        Path dir = glob.getRoot();
        for (Path part : glob) {
            if (part.toString().matches(".*[*?{\\[].*")) {
                break;
            }
            dir = dir.resolve(part);
        }
        return dir;
    }

    static String sha256(String content) {
        return sha256(content.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
