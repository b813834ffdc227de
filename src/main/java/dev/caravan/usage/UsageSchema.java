package dev.caravan.usage;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.stereotype.Component;

/**
 * Caravan's tables, migrated by Caravan itself wherever it runs, with migrations and a history table of its own:
 * an application embedding Caravan keeps its own Flyway (or none) for its own schema on the same database. Beans
 * that use the tables depend on this one.
 */
@Component(UsageSchema.NAME)
// after the application's own database initialization (Spring Boot's Flyway, Liquibase, SQL scripts): one that
// starts on an empty schema must not find Caravan's tables there first
@DependsOnDatabaseInitialization
class UsageSchema {

    static final String NAME = "usageSchema";

    UsageSchema(DataSource dataSource) {
        Flyway.configure(UsageSchema.class.getClassLoader())
                .dataSource(dataSource)
                .locations("classpath:db/caravan")
                .table("caravan_schema_history")
                // a database the application already uses: Caravan's migrations start from 0 beside its tables
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
