package dev.caravan.reload;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.OriginTrackedMapPropertySource;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.PropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The configuration files Spring read from the file system at start-up ({@code application.yaml}, ...): their
 * property sources in the environment, how an edited version reads, and how to put it in their place.
 */
final class ConfigFiles {

    /** Spring names a file's property source "Config resource 'file [application.yaml]' via location ...". */
    private static final Pattern FILE_SOURCE = Pattern.compile("^Config resource 'file \\[(.+?)]'");

    /** ... and one source per YAML document, " (document #1)" and so on, when the file has several. */
    private static final Pattern DOCUMENT = Pattern.compile(" \\(document #\\d+\\)$");

    private final ConfigurableEnvironment environment;
    /** Each file, with the names of its property sources (one per YAML document), in order. */
    private final Map<Path, List<String>> files = new LinkedHashMap<>();

    ConfigFiles(ConfigurableEnvironment environment) {
        this.environment = environment;
        for (PropertySource<?> source : environment.getPropertySources()) {
            Matcher m = FILE_SOURCE.matcher(source.getName());
            if (m.find()) {
                files.computeIfAbsent(Path.of(m.group(1)), path -> new ArrayList<>()).add(source.getName());
            }
        }
    }

    List<Path> paths() {
        return List.copyOf(files.keySet());
    }

    /** The edited files' property sources, under the names of those they replace. */
    Map<String, PropertySource<?>> read(Map<Path, String> edited, Map<Path, String> names) throws ReloadRejected {
        Map<String, PropertySource<?>> replacements = new LinkedHashMap<>();
        for (Map.Entry<Path, String> file : edited.entrySet()) {
            String name = names.get(file.getKey());
            List<String> sourceNames = files.get(file.getKey());
            PropertySourceLoader loader = name.endsWith(".properties") ? new PropertiesPropertySourceLoader()
                    : new YamlPropertySourceLoader();
            List<PropertySource<?>> loaded;
            try {
                loaded = loader.load(DOCUMENT.matcher(sourceNames.get(0)).replaceFirst(""),
                        new ByteArrayResource(file.getValue().getBytes(StandardCharsets.UTF_8), name) {
                            @Override
                            public String getDescription() {
                                return name;
                            }
                        });
            } catch (MarkedYAMLException e) {
                throw new ReloadRejected(name, e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1,
                        "invalid YAML: " + e.getProblem());
            } catch (IOException | RuntimeException e) {
                throw new ReloadRejected(name, 0, "cannot be read: " + RouteSet.firstLine(e));
            }
            if (loaded.size() != sourceNames.size()) {
                throw new ReloadRejected(name, 0, "it had " + sourceNames.size() + " YAML document(s) and now has "
                        + loaded.size() + ": restart to apply that");
            }
            for (int i = 0; i < loaded.size(); i++) {
                replacements.put(sourceNames.get(i), rename(loaded.get(i), sourceNames.get(i)));
            }
        }
        return replacements;
    }

    /** The environment's property sources with the replacements in place: what the edited configuration reads. */
    MutablePropertySources candidate(Map<String, PropertySource<?>> replacements) {
        MutablePropertySources candidate = new MutablePropertySources();
        for (PropertySource<?> source : environment.getPropertySources()) {
            // the attached view of the live sources, which would shadow the candidate's
            if (!source.getName().equals("configurationProperties")) {
                candidate.addLast(replacements.getOrDefault(source.getName(), source));
            }
        }
        return candidate;
    }

    /** Puts the replacements in the environment; returns what undoes it. */
    Runnable swap(Map<String, PropertySource<?>> replacements) {
        Map<String, PropertySource<?>> previous = new LinkedHashMap<>();
        MutablePropertySources live = environment.getPropertySources();
        replacements.forEach((name, source) -> {
            previous.put(name, live.get(name));
            live.replace(name, source);
        });
        ConfigurationPropertySources.attach(environment);
        return () -> {
            previous.forEach(live::replace);
            ConfigurationPropertySources.attach(environment);
        };
    }

    /** The properties whose values the replacements change (added and removed ones included). */
    List<String> changedKeys(Map<String, PropertySource<?>> replacements) {
        Set<String> changed = new TreeSet<>();
        replacements.forEach((name, edited) -> {
            PropertySource<?> live = environment.getPropertySources().get(name);
            Set<String> keys = new HashSet<>();
            for (PropertySource<?> source : List.of(live, edited)) {
                if (source instanceof EnumerablePropertySource<?> enumerable) {
                    keys.addAll(List.of(enumerable.getPropertyNames()));
                }
            }
            for (String key : keys) {
                if (!String.valueOf(live.getProperty(key)).equals(String.valueOf(edited.getProperty(key)))) {
                    changed.add(key);
                }
            }
        });
        return List.copyOf(changed);
    }

    /** The rejection of a setting, at the first line of the file that sets the property (or any of its parts). */
    static ReloadRejected rejection(MutablePropertySources sources, SettingsProblem problem, String file) {
        String property = problem.property();
        for (PropertySource<?> source : sources) {
            if (source instanceof OriginLookup<?> && source instanceof EnumerablePropertySource<?> enumerable) {
                @SuppressWarnings("unchecked")
                OriginLookup<String> lookup = (OriginLookup<String>) source;
                TextResourceOrigin first = null;
                for (String name : enumerable.getPropertyNames()) {
                    if ((name.equals(property) || name.startsWith(property + ".") || name.startsWith(property + "["))
                            && lookup.getOrigin(name) instanceof TextResourceOrigin origin && origin.getLocation() != null
                            && (first == null || origin.getLocation().getLine() < first.getLocation().getLine())) {
                        first = origin;
                    }
                }
                if (first != null) {
                    return new ReloadRejected(first.getResource().getDescription(), first.getLocation().getLine() + 1,
                            problem.getMessage());
                }
            }
        }
        return new ReloadRejected(file, 0, problem.getMessage());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static PropertySource<?> rename(PropertySource<?> source, String name) {
        if (source.getName().equals(name)) {
            return source;
        }
        return new OriginTrackedMapPropertySource(name, (Map) source.getSource(), true);
    }
}
