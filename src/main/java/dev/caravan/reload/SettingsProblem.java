package dev.caravan.reload;

/** A configuration value that cannot be used, and the property that holds it (e.g. {@code caravan.keys[2]}). */
public class SettingsProblem extends IllegalArgumentException {

    private final String property;

    public SettingsProblem(String property, String reason) {
        super(property + ": " + reason);
        this.property = property;
    }

    public String property() {
        return property;
    }
}
