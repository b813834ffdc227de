package dev.caravan.smoke;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The coding checks' judges: right answers pass, near misses fail with the reason. */
class CodingTasksTest {

    private final CodingTasks.RepoRead read = CodingTasks.RepoRead.draw(new Random(7));
    private final CodingTasks.Edit edit = CodingTasks.Edit.draw(new Random(7));

    @Test
    void aRepoReadAnswerMustGiveTheExactValues() {
        assertThat(read.problem("```json\n{\"port\": " + read.port() + ", \"function\": \"" + read.function()
                + "\"}\n```")).isNull();
        assertThat(read.problem(read.prompt())).as("repeating the prompt").isNotNull();
        assertThat(read.problem("{\"port\": 8080, \"function\": \"" + read.function() + "\"}"))
                .startsWith("the answer gives port 8080");
        assertThat(read.problem("The port is " + read.port())).isEqualTo("the answer holds no JSON object");
    }

    @Test
    void anEditMustApplyAndFixTheFunctionAlone() {
        String fix = "<<<<<<< SEARCH\n    return width + height\n=======\n    return width * height\n>>>>>>> REPLACE\n";
        assertThat(edit.problem(fix)).isNull();
        assertThat(edit.problem("<<<<<<< SEARCH\n    return width + height\n=======\n    return width + height\n"
                + "    return width * height\n>>>>>>> REPLACE\n")).as("the old line kept").contains("would not return 12");
        assertThat(edit.problem("<<<<<<< SEARCH\n    return width - height\n=======\n    return width * height\n"
                + ">>>>>>> REPLACE\n")).startsWith("the edit does not apply");
        assertThat(edit.problem(fix + "<<<<<<< SEARCH\n2 * (width + height)\n=======\n2 * width + height\n"
                + ">>>>>>> REPLACE\n")).contains("changes perimeter");
        assertThat(edit.problem("Just multiply them.")).contains("no unified diff");
    }
}
