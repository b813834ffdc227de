package dev.caravan.smoke;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import com.github.difflib.patch.Patch;
import com.github.difflib.patch.PatchFailedException;
import dev.caravan.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two checks only a language model can pass, each with facts drawn at random per run, so that no
 * answer can be recorded once and replayed, and each answer checked by code.
 */
final class CodingTasks {

    private CodingTasks() {
    }

    /** A prompt, and a check of the answer by code. */
    interface Task {
        String prompt();

        int maxTokens();

        /** What the answer gets wrong; {@code null} when it solves the task. */
        String problem(String answer);

        /** What a solved task is reported with. */
        String solved();
    }

    /** Files in the prompt; the answer must name the port one configures and a function another defines. */
    record RepoRead(String prompt, int port, String function) implements Task {

        private static final String[] VERBS = {"scale", "weigh", "stretch", "combine", "amplify"};
        private static final Pattern JSON_OBJECT = Pattern.compile("\\{[^{}]*}");

        static RepoRead draw(Random random) {
            int port = 2000 + random.nextInt(7000);
            String function = VERBS[random.nextInt(VERBS.length)] + "_by_" + (10 + random.nextInt(90));
            String prompt = """
                    Here are three files of a small repository.

                    === README.md ===
                    # tally
                    A tiny service that multiplies numbers. See src/server.toml for its settings.

                    === src/server.toml ===
                    [server]
                    host = "0.0.0.0"
                    port = %d
                    workers = 4

                    === src/util/numbers.py ===
                    def add(a, b):
                        return a + b


                    def %s(a, b):
                        return a * b

                    Questions: which port does src/server.toml configure, and what is the name of the function in \
                    src/util/numbers.py that multiplies its two arguments? Answer with JSON only: \
                    {"port": <number>, "function": "<name>"}
                    """.formatted(port, function);
            return new RepoRead(prompt, port, function);
        }

        @Override
        public int maxTokens() {
            return 200;
        }

        @Override
        public String solved() {
            return "named the port and the function";
        }

        /** The JSON object asked for, anywhere in the answer (models wrap it in fences or words): exact values. */
        @Override
        public String problem(String answer) {
            Matcher object = JSON_OBJECT.matcher(answer);
            JsonNode json = null;
            try {
                json = object.find() ? Json.MAPPER.readTree(object.group()) : null;
            } catch (IOException e) {
                // reported below
            }
            if (json == null) {
                return "the answer holds no JSON object";
            }
            List<String> wrong = new ArrayList<>();
            if (json.path("port").asInt(-1) != port) {
                wrong.add("port " + json.path("port") + " (expected " + port + ")");
            }
            if (!function.equals(json.path("function").asText())) {
                wrong.add("function " + json.path("function") + " (expected " + function + ")");
            }
            return wrong.isEmpty() ? null : "the answer gives " + String.join(" and ", wrong);
        }
    }

    /** A file with a bug; the answer must be an edit that applies to it and fixes the bug. */
    record Edit(String prompt, String original, String function) implements Task {

        private static final Pattern FENCE = Pattern.compile("```[a-zA-Z]*\\n(.*?)```", Pattern.DOTALL);
        private static final Pattern SEARCH_REPLACE = Pattern.compile(
                "<<<<<<< SEARCH\\n(.*?)\\n?=======\\n(.*?)\\n?>>>>>>> REPLACE", Pattern.DOTALL);

        static Edit draw(Random random) {
            String function = new String[] {"area", "surface", "footprint"}[random.nextInt(3)] + "_"
                    + (100 + random.nextInt(900));
            String original = """
                    def %s(width, height):
                        \"\"\"The area of a rectangle.\"\"\"
                        return width + height


                    def perimeter(width, height):
                        return 2 * (width + height)
                    """.formatted(function);
            String prompt = "Fix the bug in calc.py so that " + function + "(3, 4) returns 12. Change nothing else. "
                    + "Reply with only a unified diff of calc.py (--- a/calc.py, +++ b/calc.py, @@ hunks), or with "
                    + "SEARCH/REPLACE blocks (<<<<<<< SEARCH, =======, >>>>>>> REPLACE).\n\n=== calc.py ===\n"
                    + original;
            return new Edit(prompt, original, function);
        }

        @Override
        public int maxTokens() {
            return 600;
        }

        @Override
        public String solved() {
            return "the edit applies and fixes calc.py";
        }

        /** What is wrong with the answer's edit; {@code null} when it applies and fixes the file. */
        @Override
        public String problem(String answer) {
            String edited;
            try {
                edited = apply(answer.replace("\r\n", "\n"));
            } catch (PatchFailedException | IllegalArgumentException e) {
                return "the edit does not apply: " + e.getMessage();
            }
            if (edited == null) {
                return "the answer holds no unified diff and no SEARCH/REPLACE block";
            }
            String code = edited.replaceAll("\\s+", "");
            if (!code.contains("def" + function + "(width,height):") || code.contains("returnwidth+height")
                    || !(code.contains("returnwidth*height") || code.contains("returnheight*width"))) {
                return "the edit applies, but " + function + "(3, 4) would not return 12";
            }
            if (!code.contains("defperimeter(width,height):return2*(width+height)")) {
                return "the edit applies, but changes perimeter too";
            }
            return null;
        }

        private String apply(String answer) throws PatchFailedException {
            Matcher blocks = SEARCH_REPLACE.matcher(answer);
            String edited = original;
            boolean any = false;
            while (blocks.find()) {
                any = true;
                String search = blocks.group(1);
                int at = edited.indexOf(search);
                if (search.isEmpty() || at < 0 || edited.indexOf(search, at + 1) >= 0) {
                    throw new IllegalArgumentException("a SEARCH block does not match calc.py exactly once");
                }
                edited = edited.substring(0, at) + blocks.group(2) + edited.substring(at + search.length());
            }
            if (any) {
                return edited;
            }
            Matcher fenced = FENCE.matcher(answer);
            String diff = fenced.find() ? fenced.group(1) : answer;
            if (!diff.contains("@@")) {
                return null;
            }
            List<String> lines = diff.lines().dropWhile(line -> !line.startsWith("---") && !line.startsWith("@@"))
                    .toList();
            Patch<String> patch = UnifiedDiffUtils.parseUnifiedDiff(lines);
            if (patch.getDeltas().isEmpty()) {
                throw new IllegalArgumentException("the diff has no hunk that can be read");
            }
            return String.join("\n", DiffUtils.patch(original.lines().toList(), patch)) + "\n";
        }
    }
}
