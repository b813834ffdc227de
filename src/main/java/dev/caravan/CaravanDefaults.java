package dev.caravan;

import dev.caravan.pricing.PriceBook;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * Caravan's defaults in an application that embeds it: the {@code caravan.*} keys of the gateway's own
 * application.yaml, which the build copies into the jar as {@code caravan/application.yaml}. They come last, below
 * everything the application sets; its {@code camel.*} and {@code spring.*} settings are its own.
 */
class CaravanDefaults implements EnvironmentPostProcessor {

    static final String LOCATION = "caravan/application.yaml";
    static final String PRICE_BOOK = "caravan/prices.yaml";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        // the gateway reads the same file from its working directory; layered again, an entry deleted there (an
        // alias, a price) would come back
        if (!application.getAllSources().contains(CaravanApplication.class)) {
            environment.getPropertySources().addLast(load("caravan."));
        }
        environment.getPropertySources().addLast(priceBook());
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
