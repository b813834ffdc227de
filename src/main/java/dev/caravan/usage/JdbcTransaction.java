package dev.caravan.usage;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * One JDBC transaction that {@code JdbcTemplate} calls in {@code work} take part in. Unlike Spring's
 * {@code TransactionTemplate}, a rollback that fails too (the database went away) is attached to the failure rather
 * than logged at ERROR with a stack trace: the ledger and the limits say in one line that the database is away.
 */
final class JdbcTransaction {

    private JdbcTransaction() {
    }

    /**
     * @param connectionWait how long to wait for a pooled connection when the pool is Hikari's ({@code null}: the
     *                       pool's own wait)
     * @param timeout        bound on the statements and the commit ({@code null}: none)
     */
    static <T> T run(DataSource dataSource, Duration connectionWait, Duration timeout, Supplier<T> work)
            throws SQLException {
        try (Connection connection = connection(dataSource, connectionWait)) {
            ConnectionHolder holder = new ConnectionHolder(connection, true);
            if (timeout != null) {
                int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
                try {
                    connection.setNetworkTimeout(Runnable::run, timeoutMillis); // reset by the pool on close
                } catch (SQLFeatureNotSupportedException | AbstractMethodError unsupported) {
                    // the query timeout below still bounds the statements
                }
                holder.setTimeoutInMillis(timeoutMillis);
            }
            boolean autoCommit = connection.getAutoCommit();
            holder.setSynchronizedWithTransaction(true);
            TransactionSynchronizationManager.bindResource(dataSource, holder);
            try {
                if (autoCommit) {
                    connection.setAutoCommit(false);
                }
                T result = work.get();
                connection.commit();
                return result;
            } catch (RuntimeException | SQLException | Error e) {
                try {
                    connection.rollback();
                } catch (SQLException | RuntimeException rollbackFailed) {
                    e.addSuppressed(rollbackFailed);
                }
                throw e;
            } finally {
                TransactionSynchronizationManager.unbindResource(dataSource);
                holder.clear();
                if (autoCommit) {
                    try {
                        connection.setAutoCommit(true);
                    } catch (SQLException ignored) {
                        // a broken connection: the pool evicts it
                    }
                }
            }
        }
    }

    private static Connection connection(DataSource dataSource, Duration wait) throws SQLException {
        if (wait != null && dataSource instanceof HikariDataSource hikari
                && hikari.getHikariPoolMXBean() instanceof HikariPool pool) {
            return pool.getConnection(Math.max(250, wait.toMillis()));
        }
        return dataSource.getConnection();
    }
}
