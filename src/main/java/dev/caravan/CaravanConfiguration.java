package dev.caravan;

import com.zaxxer.hikari.HikariDataSource;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ExtendedCamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.LifecycleStrategySupport;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.PropertiesPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Caravan in a Camel Main application, without Spring Boot:
 * {@code main.configure().addConfiguration(new CaravanConfiguration())}.
 *
 * <p>Caravan's beans are assembled as in a Spring Boot application, from {@link CaravanAutoConfiguration}, by a
 * plain Spring context that lives inside Camel's: it reads Camel's properties (application.properties, initial and
 * override properties, the environment), gets what Spring Boot would provide from {@link Infrastructure}, and binds
 * each of Caravan's beans into Camel's registry by name, where the routes look them up. It closes once Camel has
 * stopped: the usage ledger and dead letters write what they hold, then the database pool closes.
 */
public final class CaravanConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext camel) {
        PropertiesComponent properties = camel.getPropertiesComponent();
        addDefaults(properties);
        maskProviderKeys(camel, properties);
        StandardEnvironment environment = environment(properties);

        AnnotationConfigApplicationContext infrastructure = context(environment);
        infrastructure.getBeanFactory().registerSingleton("camelContext", camel);
        infrastructure.register(Infrastructure.class);
        AnnotationConfigApplicationContext beans = context(environment);
        beans.setParent(infrastructure);
        beans.register(CaravanAutoConfiguration.class);
        try {
            infrastructure.refresh();
            beans.refresh();
            bind(beans, camel.getRegistry());
        } catch (RuntimeException e) {
            beans.close();
            infrastructure.close();
            throw e;
        }
        camel.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopped(CamelContext context) {
                beans.close();
                infrastructure.close();
            }
        });
    }

    /**
     * The {@code caravan.*} keys of Caravan's application.yaml as Camel's initial properties, its lowest layer:
     * the routes need some ({@code caravan.regions.*}), and anything the application sets wins.
     */
    private static void addDefaults(PropertiesComponent properties) {
        CaravanDefaults.load("caravan.").getSource().forEach((key, value) -> {
            if (properties.resolveProperty(key).isEmpty()) {
                properties.addInitialProperty(key, String.valueOf(value));
            }
        });
    }

    /**
     * Camel Main logs every placeholder its routes resolved at start-up, masking only names it knows as secrets;
     * the provider blocks read their keys from {@code <PROVIDER>_API_KEY}, which it does not know.
     */
    private static void maskProviderKeys(CamelContext camel, PropertiesComponent properties) {
        ExtendedCamelContext extension = camel.getCamelContextExtension();
        Stream<String> known = Stream.ofNullable(extension.getAdditionalSensitiveKeywords());
        Stream<String> keys = Stream.concat(System.getenv().keySet().stream(),
                properties.loadProperties().stringPropertyNames().stream())
                .filter(name -> name.toUpperCase(Locale.ROOT).endsWith("_API_KEY"))
                .map(name -> name.toLowerCase(Locale.ROOT));
        extension.setAdditionalSensitiveKeywords(Stream.concat(known, keys).collect(Collectors.joining(",")));
    }

    /**
     * System properties, environment variables, then Camel's properties; last, the database settings of Caravan's
     * application.yaml ({@code spring.datasource.*}, {@code CARAVAN_DATABASE_URL}), as the gateway itself has them,
     * and the price book.
     */
    private static StandardEnvironment environment(PropertiesComponent properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addLast(new PropertiesPropertySource("Camel properties",
                properties.loadProperties()));
        environment.getPropertySources().addLast(CaravanDefaults.load("spring.datasource."));
        environment.getPropertySources().addLast(CaravanDefaults.priceBook());
        return environment;
    }

    private static AnnotationConfigApplicationContext context(StandardEnvironment environment) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.setEnvironment(environment);
        // as Spring Boot converts: "30s" to a Duration, "16MB" to a DataSize
        context.getBeanFactory().setConversionService(ApplicationConversionService.getSharedInstance());
        return context;
    }

    /** Caravan's beans under their own names; a name the application already uses is a start-up error. */
    private static void bind(AnnotationConfigApplicationContext beans, Registry registry) {
        for (String name : beans.getBeanDefinitionNames()) {
            if (beans.getBeanDefinition(name).getRole() != BeanDefinition.ROLE_APPLICATION) {
                continue;
            }
            if (registry.lookupByName(name) != null) {
                throw new IllegalStateException("Camel's registry already has a bean named '" + name
                        + "', the name of one of Caravan's beans that its routes look up");
            }
            registry.bind(name, beans.getBean(name));
        }
    }

    /**
     * What Spring Boot's auto-configuration provides in a Spring Boot application, configured the same way. Not a
     * {@code @Configuration}: Caravan's component scan would find it and add it to Spring Boot applications.
     */
    @EnableConfigurationProperties(DataSourceProperties.class)
    static class Infrastructure {

        @Bean
        @ConfigurationProperties("spring.datasource.hikari")
        HikariDataSource dataSource(DataSourceProperties properties) {
            return properties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
        }

        @Bean
        JdbcTemplate jdbcTemplate(DataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean
        ProducerTemplate producerTemplate(CamelContext camel) {
            return camel.createProducerTemplate();
        }
    }
}
