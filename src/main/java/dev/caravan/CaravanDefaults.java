package dev.caravan;

import dev.caravan.pricing.PriceBook;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * Caravan's defaults: the gateway's own application.yaml and routes, which the build copies into the jar as
 * {@code caravan/application.yaml} and {@code caravan/routes/}. In an application that embeds Caravan, its
 * {@code caravan.*} keys come last, below everything the application sets; its {@code camel.*} and {@code spring.*}
 * settings are the application's own. The gateway itself reads application.yaml from its working directory, with the
 * jar's {@code caravan.*} settings below it for those it leaves out (its aliases excepted); started where there is
 * none ({@code java -jar} from elsewhere), it runs on the whole file the jar carries, and on the routes the jar
 * carries unless a {@code routes/} directory is there.
 */
class CaravanDefaults implements EnvironmentPostProcessor {

    static final String LOCATION = "caravan/application.yaml";
    static final String PRICE_BOOK = "caravan/prices.yaml";
    static final String SHIPPED_ROUTES = "classpath:caravan/routes/*.yaml";

    private final Log log;

    CaravanDefaults(DeferredLogFactory logs) {
        this.log = logs.getLog(CaravanDefaults.class);
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!application.getAllSources().contains(CaravanApplication.class)) {
            environment.getPropertySources().addLast(load("caravan."));
        } else if (environment.getPropertySources().stream().anyMatch(CaravanDefaults::configFile)) {
            // a setting its file leaves out keeps its default, but not an alias: one deleted there stays deleted
            MapPropertySource settings = load("caravan.");
            settings.getSource().keySet().removeIf(key -> key.startsWith("caravan.aliases."));
            environment.getPropertySources().addLast(settings);
        } else {
            Path workingDirectory = Path.of("").toAbsolutePath();
            boolean ownRoutes = Files.isDirectory(workingDirectory.resolve("routes"));
            log.info("No application.yaml in " + workingDirectory + ": running on the settings" + (ownRoutes ? ""
                    : " and routes") + " the jar carries (classpath:" + LOCATION + (ownRoutes ? "" : ", "
                    + SHIPPED_ROUTES) + "); edits apply only to files in the working directory");
            if (!ownRoutes) {
                environment.getPropertySources().addLast(new MapPropertySource("Caravan's shipped routes",
                        Map.of("camel.main.routes-include-pattern", SHIPPED_ROUTES)));
            }
            environment.getPropertySources().addLast(load(""));
        }
        environment.getPropertySources().addLast(priceBook());
    }

    /** A configuration file Spring Boot read (application.yaml, or one --spring.config.location names). */
    private static boolean configFile(PropertySource<?> source) {
        return source.getName().startsWith("Config resource");
    }

    /** The price book shipped in the jar: below every setting, so application.yaml overrides it entry by entry. */
    static PropertySource<?> priceBook() {
        try {
            List<PropertySource<?>> documents = new YamlPropertySourceLoader().load(PriceBook.SOURCE,
                    new ClassPathResource(PRICE_BOOK, CaravanDefaults.class.getClassLoader()));
            return documents.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException("Caravan's price book (" + PRICE_BOOK + ") is missing from the classpath", e);
        }
    }

    /** The keys of the shipped application.yaml that start with one of the prefixes, as flat names. */
    static MapPropertySource load(String... prefixes) {
        Map<String, Object> keys = new LinkedHashMap<>();
        try {
            for (PropertySource<?> document : new YamlPropertySourceLoader().load(LOCATION,
                    new ClassPathResource(LOCATION, CaravanDefaults.class.getClassLoader()))) {
                EnumerablePropertySource<?> flat = (EnumerablePropertySource<?>) document;
                for (String name : flat.getPropertyNames()) {
                    if (Arrays.stream(prefixes).anyMatch(name::startsWith)) {
                        keys.put(name, flat.getProperty(name));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Caravan's defaults (" + LOCATION + ") are missing from the classpath", e);
        }
        return new MapPropertySource("Caravan defaults (classpath:" + LOCATION + ")", keys);
    }
}
