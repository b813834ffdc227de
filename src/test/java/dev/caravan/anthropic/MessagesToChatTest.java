package dev.caravan.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.openai.GatewayException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Anthropic Messages requests as chat completion requests. */
class MessagesToChatTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static MessagesToChat.Chat translate(String json) {
        return MessagesToChat.translate(json.replace('\'', '"').getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void translatesAnAgentTurnWithSystemBlocksToolsAndThinking() throws Exception {
        MessagesToChat.Chat chat = translate("""
                {'model':'deepseek-chat','max_tokens':32000,'stream':true,'temperature':1,'top_k':5,
                 'system':[{'type':'text','text':'You are an agent.'},
                           {'type':'text','text':'Be brief.','cache_control':{'type':'ephemeral'}}],
                 'messages':[
                   {'role':'user','content':[{'type':'text','text':'<system-reminder>x</system-reminder>'},
                                             {'type':'text','text':'list files','cache_control':{'type':'ephemeral'}}]},
                   {'role':'system','content':'# Environment'},
                   {'role':'assistant','content':[{'type':'thinking','thinking':'use ls','signature':'sig'},
                                                  {'type':'text','text':'Listing.'},
                                                  {'type':'tool_use','id':'toolu_1','name':'Bash','input':{'command':'ls'}},
                                                  {'type':'tool_use','id':'toolu_2','name':'Read','input':{}}]},
                   {'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':'a.txt'},
                                             {'type':'tool_result','tool_use_id':'toolu_2','is_error':true,
                                              'content':[{'type':'text','text':'no file'},
                                                         {'type':'image','source':{'type':'base64','media_type':'image/png','data':'AA=='}}]},
                                             {'type':'text','text':'go on'}]}],
                 'tools':[{'name':'Bash','description':'Runs a command','input_schema':{'type':'object','properties':{'command':{'type':'string'}}}},
                          {'type':'web_search_20250305','name':'web_search','max_uses':5},
                          {'type':'custom','name':'Read','input_schema':{'type':'object'}}],
                 'tool_choice':{'type':'any','disable_parallel_tool_use':true},
                 'thinking':{'type':'enabled','budget_tokens':31999},
                 'metadata':{'user_id':'user_abc_session_1'},
                 'stop_sequences':['END'],
                 'context_management':{'edits':[]},'output_config':{'effort':'high'},'service_tier':'auto'}""");

        JsonNode body = chat.body();
        assertThat(chat.droppedTools()).containsExactly("web_search_20250305");
        assertThat(body.path("model").asText()).isEqualTo("deepseek-chat");
        assertThat(body.path("max_tokens").asLong()).isEqualTo(32000);
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(body.path("stop")).isEqualTo(JSON.readTree("[\"END\"]"));
        assertThat(body.path("reasoning_effort").asText()).isEqualTo("high");
        assertThat(body.path("user").asText()).isEqualTo("user_abc_session_1");
        assertThat(body.path("tool_choice").asText()).isEqualTo("required");
        assertThat(body.path("parallel_tool_calls").asBoolean(true)).isFalse();
        assertThat(body.has("top_k") || body.has("context_management") || body.has("output_config")
                || body.has("service_tier") || body.has("system") || body.has("thinking")).isFalse();
        assertThat(body.path("tools")).hasSize(2);
        assertThat(body.path("tools").path(0)).isEqualTo(JSON.readTree("""
                {"type":"function","function":{"name":"Bash","description":"Runs a command",
                 "parameters":{"type":"object","properties":{"command":{"type":"string"}}}}}"""));

        JsonNode messages = body.path("messages");
        assertThat(messages).hasSize(6);
        assertThat(messages.path(0)).isEqualTo(JSON.readTree(
                "{\"role\":\"system\",\"content\":\"You are an agent.\\n\\nBe brief.\\n\\n# Environment\"}"));
        assertThat(messages.path(1).path("content").asText())
                .isEqualTo("<system-reminder>x</system-reminder>\n\nlist files");
        JsonNode assistant = messages.path(2);
        assertThat(assistant.path("content").asText()).isEqualTo("Listing.");
        assertThat(assistant.path("reasoning_content").asText()).isEqualTo("use ls");
        assertThat(assistant.path("tool_calls").path(0)).isEqualTo(JSON.readTree("""
                {"id":"toolu_1","type":"function","function":{"name":"Bash","arguments":"{\\"command\\":\\"ls\\"}"}}"""));
        assertThat(assistant.path("tool_calls").path(1).path("function").path("arguments").asText()).isEqualTo("{}");
        assertThat(messages.path(3)).isEqualTo(JSON.readTree(
                "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"a.txt\"}"));
        assertThat(messages.path(4).path("tool_call_id").asText()).isEqualTo("toolu_2");
        assertThat(messages.path(4).path("content").asText()).startsWith("Error: no file\n\n[image omitted");
        assertThat(messages.path(5)).isEqualTo(JSON.readTree("{\"role\":\"user\",\"content\":\"go on\"}"));
    }

    @Test
    void imagesBecomeImageUrlPartsAndToolChoicesMapOneToOne() {
        JsonNode body = translate("""
                {'model':'m','max_tokens':10,'messages':[{'role':'user','content':[
                  {'type':'text','text':'what is this?'},
                  {'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBO'}},
                  {'type':'image','source':{'type':'url','url':'https://example.com/a.png'}}]}],
                 'tools':[{'name':'t','input_schema':{'type':'object'}}],'tool_choice':{'type':'tool','name':'t'},
                 'thinking':{'type':'enabled','budget_tokens':1024}}""").body();

        JsonNode content = body.path("messages").path(0).path("content");
        assertThat(content.path(0).path("text").asText()).isEqualTo("what is this?");
        assertThat(content.path(1).path("image_url").path("url").asText()).isEqualTo("data:image/png;base64,iVBO");
        assertThat(content.path(2).path("image_url").path("url").asText()).isEqualTo("https://example.com/a.png");
        assertThat(body.path("tool_choice").path("function").path("name").asText()).isEqualTo("t");
        assertThat(body.path("reasoning_effort").asText()).isEqualTo("low");
        assertThat(body.has("stream")).isFalse();

        assertThat(translate(choice("auto")).body().path("tool_choice").asText()).isEqualTo("auto");
        assertThat(translate(choice("none")).body().path("tool_choice").asText()).isEqualTo("none");
        // adaptive thinking: the provider's default; a tool choice without tools left: none
        JsonNode bare = translate("{'model':'m','max_tokens':1,'messages':[],'thinking':{'type':'adaptive'},"
                + "'tools':[{'type':'bash_20250124','name':'bash'}],'tool_choice':{'type':'auto'}}").body();
        assertThat(bare.has("reasoning_effort") || bare.has("tools") || bare.has("tool_choice")).isFalse();
    }

    private static String choice(String type) {
        return "{'model':'m','max_tokens':1,'messages':[],'tools':[{'name':'t','input_schema':{}}],"
                + "'tool_choice':{'type':'" + type + "'}}";
    }

    @Test
    void refusesWhatAnthropicRefuses() {
        assertInvalid("{not json", "invalid_json");
        assertInvalid("[1]", "invalid_json");
        assertInvalid("", "invalid_json");
        assertInvalid("{'max_tokens':1,'messages':[]}", "missing_required_parameter");
        assertInvalid("{'model':'m','messages':[]}", "missing_required_parameter");
        assertInvalid("{'model':'m','max_tokens':1}", "missing_required_parameter");
        assertInvalid("{'model':'m','max_tokens':'10','messages':[]}", "invalid_type");
        assertInvalid("{'model':'m','max_tokens':0,'messages':[]}", "invalid_value");
        assertInvalid("{'model':'m','max_tokens':1,'messages':{}}", "invalid_type");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[{'role':'tool','content':'x'}]}", "invalid_value");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[{'role':'user','content':5}]}", "invalid_type");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[{'role':'user','content':[{'text':'x'}]}]}",
                "invalid_type");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[{'role':'user','content':[{'type':'tool_use'}]}]}",
                "invalid_value");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[],'system':7}", "invalid_type");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[],'tools':[{'name':'t'}]}", "invalid_value");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[],'stream':'yes'}", "invalid_type");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[],'stop_sequences':[1]}", "invalid_type");
        // a token count needs no max_tokens
        assertThat(MessagesToChat.translate("{\"model\":\"m\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8),
                false).body().has("max_tokens")).isFalse();
    }

    private static void assertInvalid(String json, String code) {
        assertThatThrownBy(() -> translate(json)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.error().status()).isEqualTo(400);
            assertThat(e.error().code()).as(e.getMessage()).isEqualTo(code);
        });
    }

    /** The requests Claude Code 2.1 sent (captured in src/test/resources/agents; see its README). */
    @Test
    void translatesTheRequestsClaudeCodeSends() throws Exception {
        JsonNode first = JSON.readTree(Path.of("src/test/resources/agents/claude-request.json").toFile());
        MessagesToChat.Chat chat = MessagesToChat.translate(first, true);

        JsonNode body = chat.body();
        assertThat(chat.droppedTools()).isEmpty();
        assertThat(body.path("model").asText()).isEqualTo("deepseek/deepseek-flash");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(32000);
        assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(body.has("reasoning_effort")).as("adaptive thinking: the provider's default").isFalse();
        assertThat(body.path("user").asText()).contains("session_id");
        assertThat(body.path("tools")).hasSize(first.path("tools").size());
        assertThat(body.path("tools").findValuesAsText("name")).contains("Bash", "Write", "DeferredToolPlaceholder");
        JsonNode messages = body.path("messages");
        assertThat(messages.findValuesAsText("role")).containsExactly("system", "user");
        assertThat(messages.path(0).path("content").asText()).startsWith("x-anthropic-billing-header")
                .contains("You are a Claude agent").endsWith(first.path("messages").path(1).path("content").path(0)
                        .path("text").asText());

        JsonNode turn = MessagesToChat.translate(
                JSON.readTree(Path.of("src/test/resources/agents/claude-tool-turn-request.json").toFile()), true).body();
        JsonNode toolTurn = turn.path("messages");
        assertThat(toolTurn.findValuesAsText("role")).containsExactly("system", "user", "assistant", "tool");
        String callId = toolTurn.path(2).path("tool_calls").path(0).path("id").asText();
        assertThat(callId).isEqualTo("toolu_1");
        assertThat(JSON.readTree(toolTurn.path(2).path("tool_calls").path(0).path("function").path("arguments").asText())
                .path("file_path").asText()).endsWith("note.txt");
        assertThat(toolTurn.path(3).path("tool_call_id").asText()).isEqualTo(callId);
        assertThat(toolTurn.path(3).path("content").asText()).startsWith("File created successfully");
    }
}
