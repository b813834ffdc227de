package dev.caravan.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravan.openai.GatewayException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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
                {'model':'deepseek-flash','max_tokens':32000,'stream':true,'temperature':1,'top_k':5,
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
        assertThat(body.path("model").asText()).isEqualTo("deepseek-flash");
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

    /**
     * Claude Code 2.1 declares MCP tools with {@code defer_loading} and a {@code ToolSearch} tool; a search's
     * result names the tools it found ({@code tool_reference}), and every later turn carries it.
     */
    @Test
    void toolReferencesOfAToolSearchBecomeText() throws Exception {
        JsonNode body = translate("""
                {'model':'m','max_tokens':100,
                 'tools':[{'name':'ToolSearch','input_schema':{'type':'object'}},
                          {'name':'mcp__x','input_schema':{'type':'object'},'defer_loading':true}],
                 'messages':[
                   {'role':'user','content':'use x'},
                   {'role':'assistant','content':[{'type':'tool_use','id':'toolu_1','name':'ToolSearch','input':{'query':'x'}}]},
                   {'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':[
                      {'type':'tool_reference','tool_name':'mcp__x'},
                      {'type':'tool_reference','tool_name':'mcp__gone','cache_control':{'type':'ephemeral'}}]}]},
                   {'role':'assistant','content':[{'type':'tool_use','id':'toolu_2','name':'mcp__x','input':{}}]},
                   {'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_2','content':'done'}]}]}""")
                .body();

        JsonNode messages = body.path("messages");
        assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "tool", "assistant", "tool");
        assertThat(messages.path(2).path("tool_call_id").asText()).isEqualTo("toolu_1");
        assertThat(messages.path(2).path("content").asText()).isEqualTo("Tool mcp__x is now available.\n\n"
                + "Tool mcp__gone was found, but it is not available in this conversation.");
        assertThat(body.path("tools").findValuesAsText("name")).containsExactly("ToolSearch", "mcp__x");
    }

    /** The other blocks of Anthropic's content block union (anthropic-java 3.14.0, beta included). */
    @Test
    void blocksWithoutAChatEquivalentBecomeTextOrAreLeftOut() {
        JsonNode body = translate("""
                {'model':'m','max_tokens':100,'tools':[{'name':'Read','input_schema':{'type':'object'}}],'messages':[
                  {'role':'user','content':[
                    {'type':'search_result','source':'https://a.example/doc','title':'A doc',
                     'content':[{'type':'text','text':'alpha'}],'citations':{'enabled':true}},
                    {'type':'document','title':'Notes','context':'from the user',
                     'source':{'type':'content','content':[{'type':'text','text':'beta'},{'type':'image','source':{}}]}},
                    {'type':'document','source':{'type':'url','url':'https://a.example/x.pdf'}},
                    {'type':'container_upload','file_id':'file_1'}]},
                  {'role':'assistant','content':[
                    {'type':'server_tool_use','id':'srvtoolu_1','name':'web_search','input':{'query':'q'}},
                    {'type':'web_search_tool_result','tool_use_id':'srvtoolu_1','content':[
                       {'type':'web_search_result','url':'https://b.example','title':'B','encrypted_content':'zz','page_age':'1 day'}]},
                    {'type':'web_search_tool_result','tool_use_id':'srvtoolu_2','content':
                       {'type':'web_search_tool_result_error','error_code':'max_uses_exceeded'}},
                    {'type':'web_fetch_tool_result','tool_use_id':'srvtoolu_3','content':{'type':'web_fetch_result',
                       'url':'https://c.example','content':{'type':'document','source':{'type':'text','media_type':'text/plain','data':'gamma'}}}},
                    {'type':'code_execution_tool_result','tool_use_id':'srvtoolu_4','content':
                       {'type':'code_execution_result','stdout':'42','stderr':'','return_code':0,'content':[]}},
                    {'type':'bash_code_execution_tool_result','tool_use_id':'srvtoolu_5','content':
                       {'type':'bash_code_execution_tool_result_error','error_code':'unavailable'}},
                    {'type':'text_editor_code_execution_tool_result','tool_use_id':'srvtoolu_6','content':
                       {'type':'text_editor_code_execution_view_result','content':'file text','file_type':'text'}},
                    {'type':'tool_search_tool_result','tool_use_id':'srvtoolu_7','content':
                       {'type':'tool_search_tool_search_result','tool_references':[{'type':'tool_reference','tool_name':'Read'}]}},
                    {'type':'mcp_tool_use','id':'mcptoolu_1','name':'echo','server_name':'srv','input':{'a':1}},
                    {'type':'mcp_tool_result','tool_use_id':'mcptoolu_1','is_error':true,'content':[{'type':'text','text':'nope'}]},
                    {'type':'advisor_tool_result','tool_use_id':'srvtoolu_8','content':{'type':'advisor_result','text':'be careful'}},
                    {'type':'advisor_tool_result','tool_use_id':'srvtoolu_9','content':{'type':'advisor_redacted_result','encrypted_content':'zz'}},
                    {'type':'compaction','content':'summary so far'},
                    {'type':'compaction','encrypted_content':'zz'},
                    {'type':'fallback','from':{'model':'a'},'to':{'model':'b'}},
                    {'type':'text','text':'Found it.'}]},
                  {'role':'user','content':[
                    {'type':'tool_addition','tool':{'type':'tool_definition','definition':
                       {'name':'Late','description':'added','input_schema':{'type':'object'}}}},
                    {'type':'tool_removal','tool':{'type':'mcp_tool_reference','name':'echo','server_name':'srv'}},
                    {'type':'mcp_tool_listing','mcp_server_name':'srv','tools':[{'name':'echo','input_schema':{}}]},
                    {'type':'tool_result','tool_use_id':'toolu_1','content':[
                      {'type':'search_result','source':'s','title':'t','content':[{'type':'text','text':'delta'}]},
                      {'type':'browser_state','tabs':[{'tab_id':'1','title':'Home','url':'https://d.example','active':true}]},
                      {'type':'document','source':{'type':'base64','media_type':'application/pdf','data':'JVBE'}}]}]}]}""")
                .body();

        JsonNode messages = body.path("messages");
        assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "tool", "user");
        assertThat(messages.path(0).path("content").asText()).isEqualTo("A doc\nhttps://a.example/doc\n\nalpha\n\n"
                + "Notes\n\nfrom the user\n\nbeta\n\n"
                + "[document omitted: only text documents can be passed on; it is at https://a.example/x.pdf]");
        assertThat(messages.path(1).path("content").asText()).isEqualTo(String.join("\n\n",
                "[called web_search with {\"query\":\"q\"}]",
                "Web search results:\n- B <https://b.example> (1 day)",
                "Web search failed: max_uses_exceeded.",
                "Fetched https://c.example:\n\ngamma",
                "Code execution exited with code 0.\nstdout:\n42",
                "Code execution failed: unavailable.",
                "file text",
                "Tool Read is now available.",
                "[called srv/echo with {\"a\":1}]",
                "Error: nope",
                "be careful",
                "summary so far",
                "Found it."));
        assertThat(messages.path(2).path("content").asText()).isEqualTo(
                "t\ns\n\ndelta\n\nBrowser tabs:\n- Home <https://d.example> (active)\n\n"
                        + "[document omitted: only text documents can be passed on]");
        assertThat(messages.path(3).path("content").asText()).isEqualTo(
                "Tool Late is now available.\n\nTool srv/echo is no longer available.\n\nTools of MCP server srv: echo.");
        // a tool defined mid-conversation is declared to the provider too
        assertThat(body.path("tools").findValuesAsText("name")).containsExactly("Read", "Late");
    }

    @Test
    void refusesMalformedBlocksAndTypesAnthropicDoesNotKnow() {
        String turn = "{'model':'m','max_tokens':1,'messages':[{'role':'user','content':[%s]}]}";
        assertInvalid(turn.formatted("{'type':'no_such_block'}"), "invalid_value");
        assertInvalid(turn.formatted("{'type':'tool_result','tool_use_id':'t','content':[{'type':'tool_reference'}]}"),
                "missing_required_parameter");
        assertInvalid(turn.formatted("{'type':'tool_result','tool_use_id':'t','content':[{'type':'tool_reference',"
                + "'tool_name':7}]}"), "invalid_type");
        assertInvalid(turn.formatted("{'type':'tool_result','tool_use_id':'t','content':[{'type':'no_such_block'}]}"),
                "invalid_value");
        assertInvalid(turn.formatted("{'type':'tool_result','tool_use_id':'t','content':['text']}"), "invalid_type");
        assertInvalid("{'model':'m','max_tokens':1,'messages':[{'role':'assistant','content':[{'type':'tool_result',"
                + "'tool_use_id':'t','content':'x'}]}]}", "invalid_value");
    }

    @Test
    void droppedToolsAreBounded() {
        StringBuilder tools = new StringBuilder("{'type':'web_search_20250305','name':'a'},"
                + "{'type':'web_search_20250305','name':'b'},{'type':'evil\\nline key=value','name':'c'},"
                + "{'type':'" + "x".repeat(200) + "','name':'d'}");
        for (int i = 0; i < 20; i++) {
            tools.append(",{'type':'t").append(i).append("','name':'n'}");
        }
        List<String> dropped = translate("{'model':'m','max_tokens':1,'messages':[],'tools':[" + tools + "]}")
                .droppedTools();

        assertThat(dropped).hasSize(10).doesNotHaveDuplicates()
                .allSatisfy(type -> assertThat(type).matches("[A-Za-z0-9_.-]{1,64}"));
        assertThat(dropped.subList(0, 4)).containsExactly("web_search_20250305", "evil_line_key_value",
                "x".repeat(64), "t0");
    }
}
