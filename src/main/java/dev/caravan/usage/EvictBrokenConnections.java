package dev.caravan.usage;

import com.zaxxer.hikari.SQLExceptionOverride;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;

/**
 * Drops a pooled connection whose database went away, whatever the driver's SQL state: Hikari evicts only
 * on the states it knows (PostgreSQL's {@code 08…}), and would hand out H2's broken connections forever.
 * Set by {@code spring.datasource.hikari.exception-override-class-name}.
 */
public class EvictBrokenConnections implements SQLExceptionOverride {

    @java.lang.Override
    public Override adjudicate(SQLException e) {
        return e instanceof SQLNonTransientConnectionException || e instanceof SQLRecoverableException
                ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
    }
}
