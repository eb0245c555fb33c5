/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment UsageFields on Usage {\n    inputTokens\n    outputTokens\n    reasoningTokens\n    totalTokens\n  }\n": typeof types.UsageFieldsFragmentDoc,
    "\n  fragment MessageFields on Message {\n    id\n    role\n    text\n    status\n    timestamp\n    responseId\n    model\n    clientMessageId\n    usage {\n      ...UsageFields\n    }\n    error {\n      code\n      message\n      retryable\n    }\n  }\n": typeof types.MessageFieldsFragmentDoc,
    "\n  fragment ConversationSummary on Conversation {\n    id\n    chatName\n    createdAt\n    lastUpdate\n    messageCount\n    streaming\n  }\n": typeof types.ConversationSummaryFragmentDoc,
    "\n  query Session {\n    me {\n      name\n    }\n    serverInfo {\n      offlineMode\n      model\n    }\n  }\n": typeof types.SessionDocument,
    "\n  query Conversations($first: Int, $after: String, $search: String) {\n    conversations(first: $first, after: $after, search: $search) {\n      edges {\n        node {\n          ...ConversationSummary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.ConversationsDocument,
    "\n  query Conversation($id: ID!, $latest: Int) {\n    conversation(id: $id) {\n      ...ConversationSummary\n      messages(latest: $latest) {\n        ...MessageFields\n      }\n    }\n  }\n": typeof types.ConversationDocument,
    "\n  query EarlierMessages($id: ID!, $before: ID!, $latest: Int!) {\n    conversation(id: $id) {\n      messageCount\n      messages(latest: $latest, before: $before) {\n        ...MessageFields\n      }\n    }\n  }\n": typeof types.EarlierMessagesDocument,
    "\n  query ConversationSummaryOnly($id: ID!) {\n    conversation(id: $id) {\n      ...ConversationSummary\n    }\n  }\n": typeof types.ConversationSummaryOnlyDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      conversation {\n        ...ConversationSummary\n      }\n      userMessage {\n        ...MessageFields\n      }\n      assistantMessage {\n        ...MessageFields\n      }\n    }\n  }\n": typeof types.SendMessageDocument,
    "\n  mutation RenameConversation($id: ID!, $chatName: String!) {\n    renameConversation(id: $id, chatName: $chatName) {\n      ...ConversationSummary\n    }\n  }\n": typeof types.RenameConversationDocument,
    "\n  mutation DeleteConversation($id: ID!) {\n    deleteConversation(id: $id)\n  }\n": typeof types.DeleteConversationDocument,
    "\n  mutation RetryResponse($conversationId: ID!) {\n    retryResponse(conversationId: $conversationId) {\n      userMessage {\n        ...MessageFields\n      }\n      assistantMessage {\n        ...MessageFields\n      }\n    }\n  }\n": typeof types.RetryResponseDocument,
    "\n  mutation StopResponse($conversationId: ID!) {\n    stopResponse(conversationId: $conversationId) {\n      ...MessageFields\n    }\n  }\n": typeof types.StopResponseDocument,
    "\n  subscription MessageStream($conversationId: ID!, $after: Int, $messageId: ID) {\n    messageStream(conversationId: $conversationId, after: $after, messageId: $messageId) {\n      __typename\n      ... on TextCreated {\n        conversationId\n        messageId\n        seq\n      }\n      ... on TextDelta {\n        conversationId\n        messageId\n        seq\n        delta\n      }\n      ... on TextDone {\n        conversationId\n        messageId\n        seq\n        text\n        responseId\n        model\n        usage {\n          ...UsageFields\n        }\n      }\n      ... on StreamError {\n        conversationId\n        messageId\n        seq\n        code\n        message\n        partialText\n        retryable\n        status\n      }\n    }\n  }\n": typeof types.MessageStreamDocument,
};
const documents: Documents = {
    "\n  fragment UsageFields on Usage {\n    inputTokens\n    outputTokens\n    reasoningTokens\n    totalTokens\n  }\n": types.UsageFieldsFragmentDoc,
    "\n  fragment MessageFields on Message {\n    id\n    role\n    text\n    status\n    timestamp\n    responseId\n    model\n    clientMessageId\n    usage {\n      ...UsageFields\n    }\n    error {\n      code\n      message\n      retryable\n    }\n  }\n": types.MessageFieldsFragmentDoc,
    "\n  fragment ConversationSummary on Conversation {\n    id\n    chatName\n    createdAt\n    lastUpdate\n    messageCount\n    streaming\n  }\n": types.ConversationSummaryFragmentDoc,
    "\n  query Session {\n    me {\n      name\n    }\n    serverInfo {\n      offlineMode\n      model\n    }\n  }\n": types.SessionDocument,
    "\n  query Conversations($first: Int, $after: String, $search: String) {\n    conversations(first: $first, after: $after, search: $search) {\n      edges {\n        node {\n          ...ConversationSummary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.ConversationsDocument,
    "\n  query Conversation($id: ID!, $latest: Int) {\n    conversation(id: $id) {\n      ...ConversationSummary\n      messages(latest: $latest) {\n        ...MessageFields\n      }\n    }\n  }\n": types.ConversationDocument,
    "\n  query EarlierMessages($id: ID!, $before: ID!, $latest: Int!) {\n    conversation(id: $id) {\n      messageCount\n      messages(latest: $latest, before: $before) {\n        ...MessageFields\n      }\n    }\n  }\n": types.EarlierMessagesDocument,
    "\n  query ConversationSummaryOnly($id: ID!) {\n    conversation(id: $id) {\n      ...ConversationSummary\n    }\n  }\n": types.ConversationSummaryOnlyDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      conversation {\n        ...ConversationSummary\n      }\n      userMessage {\n        ...MessageFields\n      }\n      assistantMessage {\n        ...MessageFields\n      }\n    }\n  }\n": types.SendMessageDocument,
    "\n  mutation RenameConversation($id: ID!, $chatName: String!) {\n    renameConversation(id: $id, chatName: $chatName) {\n      ...ConversationSummary\n    }\n  }\n": types.RenameConversationDocument,
    "\n  mutation DeleteConversation($id: ID!) {\n    deleteConversation(id: $id)\n  }\n": types.DeleteConversationDocument,
    "\n  mutation RetryResponse($conversationId: ID!) {\n    retryResponse(conversationId: $conversationId) {\n      userMessage {\n        ...MessageFields\n      }\n      assistantMessage {\n        ...MessageFields\n      }\n    }\n  }\n": types.RetryResponseDocument,
    "\n  mutation StopResponse($conversationId: ID!) {\n    stopResponse(conversationId: $conversationId) {\n      ...MessageFields\n    }\n  }\n": types.StopResponseDocument,
    "\n  subscription MessageStream($conversationId: ID!, $after: Int, $messageId: ID) {\n    messageStream(conversationId: $conversationId, after: $after, messageId: $messageId) {\n      __typename\n      ... on TextCreated {\n        conversationId\n        messageId\n        seq\n      }\n      ... on TextDelta {\n        conversationId\n        messageId\n        seq\n        delta\n      }\n      ... on TextDone {\n        conversationId\n        messageId\n        seq\n        text\n        responseId\n        model\n        usage {\n          ...UsageFields\n        }\n      }\n      ... on StreamError {\n        conversationId\n        messageId\n        seq\n        code\n        message\n        partialText\n        retryable\n        status\n      }\n    }\n  }\n": types.MessageStreamDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UsageFields on Usage {\n    inputTokens\n    outputTokens\n    reasoningTokens\n    totalTokens\n  }\n"): typeof import('./graphql').UsageFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MessageFields on Message {\n    id\n    role\n    text\n    status\n    timestamp\n    responseId\n    model\n    clientMessageId\n    usage {\n      ...UsageFields\n    }\n    error {\n      code\n      message\n      retryable\n    }\n  }\n"): typeof import('./graphql').MessageFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConversationSummary on Conversation {\n    id\n    chatName\n    createdAt\n    lastUpdate\n    messageCount\n    streaming\n  }\n"): typeof import('./graphql').ConversationSummaryFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Session {\n    me {\n      name\n    }\n    serverInfo {\n      offlineMode\n      model\n    }\n  }\n"): typeof import('./graphql').SessionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversations($first: Int, $after: String, $search: String) {\n    conversations(first: $first, after: $after, search: $search) {\n      edges {\n        node {\n          ...ConversationSummary\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): typeof import('./graphql').ConversationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversation($id: ID!, $latest: Int) {\n    conversation(id: $id) {\n      ...ConversationSummary\n      messages(latest: $latest) {\n        ...MessageFields\n      }\n    }\n  }\n"): typeof import('./graphql').ConversationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EarlierMessages($id: ID!, $before: ID!, $latest: Int!) {\n    conversation(id: $id) {\n      messageCount\n      messages(latest: $latest, before: $before) {\n        ...MessageFields\n      }\n    }\n  }\n"): typeof import('./graphql').EarlierMessagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConversationSummaryOnly($id: ID!) {\n    conversation(id: $id) {\n      ...ConversationSummary\n    }\n  }\n"): typeof import('./graphql').ConversationSummaryOnlyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      conversation {\n        ...ConversationSummary\n      }\n      userMessage {\n        ...MessageFields\n      }\n      assistantMessage {\n        ...MessageFields\n      }\n    }\n  }\n"): typeof import('./graphql').SendMessageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenameConversation($id: ID!, $chatName: String!) {\n    renameConversation(id: $id, chatName: $chatName) {\n      ...ConversationSummary\n    }\n  }\n"): typeof import('./graphql').RenameConversationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteConversation($id: ID!) {\n    deleteConversation(id: $id)\n  }\n"): typeof import('./graphql').DeleteConversationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryResponse($conversationId: ID!) {\n    retryResponse(conversationId: $conversationId) {\n      userMessage {\n        ...MessageFields\n      }\n      assistantMessage {\n        ...MessageFields\n      }\n    }\n  }\n"): typeof import('./graphql').RetryResponseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StopResponse($conversationId: ID!) {\n    stopResponse(conversationId: $conversationId) {\n      ...MessageFields\n    }\n  }\n"): typeof import('./graphql').StopResponseDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageStream($conversationId: ID!, $after: Int, $messageId: ID) {\n    messageStream(conversationId: $conversationId, after: $after, messageId: $messageId) {\n      __typename\n      ... on TextCreated {\n        conversationId\n        messageId\n        seq\n      }\n      ... on TextDelta {\n        conversationId\n        messageId\n        seq\n        delta\n      }\n      ... on TextDone {\n        conversationId\n        messageId\n        seq\n        text\n        responseId\n        model\n        usage {\n          ...UsageFields\n        }\n      }\n      ... on StreamError {\n        conversationId\n        messageId\n        seq\n        code\n        message\n        partialText\n        retryable\n        status\n      }\n    }\n  }\n"): typeof import('./graphql').MessageStreamDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
