package dev.caravan.reload;

import java.util.Collection;
import org.apache.camel.Endpoint;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * A bean holding a part of the configuration that a hot reload replaces (keys, prices, aliases, fallbacks).
 * A reload first prepares every part and every route file, and only when all of them pass makes them live.
 */
public interface ReloadableSettings {

    /**
     * Binds this bean's part of the candidate configuration and checks it, changing nothing.
     *
     * @param candidate the configuration as edited
     * @param endpoints the endpoints of the edited routes (created to be checked, never started)
     * @return what makes the candidate live; it must not fail
     * @throws SettingsProblem naming the property at fault
     */
    Runnable prepare(Binder candidate, Collection<Endpoint> endpoints);

    /** Before routes are replaced: whatever requests read should stay as it is until {@link #routesSwapped}. */
    default void routesSwapping() {
    }

    /** After the routes were replaced and the prepared settings made live, or everything was put back. */
    default void routesSwapped() {
    }
}
