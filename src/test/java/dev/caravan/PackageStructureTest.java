package dev.caravan;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The feature packages form layers: no two depend on each other, however indirectly. JSON helpers ({@code json}),
 * the request's state ({@code request}) and the wire model ({@code openai}) are at the bottom; the route steps of
 * each feature above them; the application classes in {@code dev.caravan} itself wire them all.
 */
@AnalyzeClasses(packages = "dev.caravan", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageStructureTest {

    @ArchTest
    static final ArchRule featurePackagesHaveNoCycles = slices().matching("dev.caravan.(*)..").should()
            .beFreeOfCycles();
}
