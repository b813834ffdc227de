package dev.caravan.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the gateway refuses in a chat completion request itself, before any provider sees it: an empty or
 * ill-shaped {@code messages}, a {@code max_tokens} or {@code n} below 1. Bounds a provider judges
 * ({@code max_completion_tokens}, {@code temperature}, {@code top_p}) pass.
 */
class RequestValidationTest {

    private static final String HELLO = "{\"role\":\"user\",\"content\":\"hello\"}";

    private static OpenAiRequest chat(String json) {
        return OpenAiRequest.parse(OpenAiRequest.Operation.CHAT_COMPLETIONS,
                json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "'messages':[]                                           | empty_array             | messages",
            "'messages':[null]                                       | invalid_type            | messages[0]",
            "'messages':[" + HELLO + ",'hi']                          | invalid_type            | messages[1]",
            "'messages':[" + HELLO + ",{'role':'user','content':{'text':'x'}}] | invalid_type  | messages[1].content",
            "'messages':[{'role':'user','content':42}]               | invalid_type            | messages[0].content",
            "'messages':[" + HELLO + "],'max_tokens':-5              | integer_below_min_value | max_tokens",
            "'messages':[" + HELLO + "],'max_tokens':0               | integer_below_min_value | max_tokens",
            "'messages':[" + HELLO + "],'max_tokens':-99999999999999999999999 | integer_below_min_value | max_tokens",
            "'messages':[" + HELLO + "],'n':-3                       | integer_below_min_value | n",
            "'messages':[" + HELLO + "],'n':0                        | integer_below_min_value | n",
    })
    void refusedWithTheFieldNamed(String members, String code, String param) {
        assertThatThrownBy(() -> chat("{'model':'m'," + members + "}"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(400);
                    assertThat(e.error().type()).isEqualTo("invalid_request_error");
                    assertThat(e.error().code()).isEqualTo(code);
                    assertThat(e.error().param()).isEqualTo(param);
                    assertThat(e.error().message()).contains("'" + param + "'");
                });
    }

    @org.junit.jupiter.api.Test
    void messagesSaySoInOpenAisWords() {
        assertThatThrownBy(() -> chat("{'model':'m','messages':[null]}")).hasMessage(
                "Invalid type for 'messages[0]': expected an object, but got null instead.");
        assertThatThrownBy(() -> chat("{'model':'m','messages':[{'role':'user','content':{}}]}")).hasMessage(
                "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an "
                        + "object instead.");
        assertThatThrownBy(() -> chat("{'model':'m','messages':[" + HELLO + "],'max_tokens':-5}")).hasMessage(
                "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -5 instead.");
        assertThatThrownBy(() -> chat("{'model':'m','messages':[]}")).hasMessage(
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array "
                        + "instead.");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // an assistant's tool call has no content; parts are an array; anything else is the provider's
            "'messages':[{'role':'assistant','content':null,'tool_calls':[{'id':'c','type':'function','function':"
                    + "{'name':'f','arguments':'{}'}}]},{'role':'tool','tool_call_id':'c','content':'42'}]",
            "'messages':[{'role':'user','content':[{'type':'text','text':'hi'}]}]",
            "'messages':[{'role':'user'}]",
            "'messages':[" + HELLO + "],'max_tokens':1,'n':1",
            "'messages':[" + HELLO + "],'max_completion_tokens':-5",
            "'messages':[" + HELLO + "],'temperature':7,'top_p':-1",
            "'messages':[" + HELLO + "],'max_tokens':null,'n':null",
    })
    void accepted(String members) {
        String json = "{'model':'m'," + members + "}";
        OpenAiRequest request = chat(json);

        assertThat(request.raw()).as("forwarded as received").isEqualTo(json.replace('\'', '"')
                .getBytes(StandardCharsets.UTF_8));
    }

    @org.junit.jupiter.api.Test
    void theBodysSyntaxRequiredMembersAndTypesComeFirst() {
        assertThatThrownBy(() -> chat("{'model':'m','messages':[null],}"))
                .extracting(e -> ((GatewayException) e).error().code()).isEqualTo("invalid_json");
        assertThatThrownBy(() -> chat("{'messages':[null]}"))
                .extracting(e -> ((GatewayException) e).error().code()).isEqualTo("missing_required_parameter");
        assertThatThrownBy(() -> chat("{'model':'m','messages':[],'n':'two'}"))
                .extracting(e -> ((GatewayException) e).error().param()).isEqualTo("n");
    }

    @org.junit.jupiter.api.Test
    void embeddingsAreNotCheckedForMessages() {
        OpenAiRequest.parse(OpenAiRequest.Operation.EMBEDDINGS,
                "{\"model\":\"e\",\"input\":\"x\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8));
    }
}
