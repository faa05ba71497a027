/*
 * WinDivert 2.2 filter language: the raw lexemes (docs/spec/filter-language.md §2.1, §2.2).
 *
 * This lexer only cuts the byte string (one char per byte, ISO-8859-1) into punctuation,
 * whitespace and words. Classifying a word (name table, the discarded `b`, decimal/hex/IPv4/IPv6
 * literals, the 39-byte limit, the trailing-colon rule) depends on the layer and on exact
 * WinDivert position quirks, so FilterTokenizer does it and turns the lexemes into the token
 * types below. The tokens{} block declares the types only FilterTokenizer produces.
 */
lexer grammar FilterLexer;

tokens { NUMBER, BYTES, FIELD, ARRAY_FIELD, BAD_MACRO }

OPEN     : '(' ;
CLOSE    : ')' ;
SQ_OPEN  : '[' ;
SQ_CLOSE : ']' ;
MINUS    : '-' ;
QUESTION : '?' ;
NEQ      : '!=' ;
NOT      : '!' ;
EQ       : '==' | '=' ;
LEQ      : '<=' ;
LT       : '<' ;
GEQ      : '>=' ;
GT       : '>' ;
AND      : '&&' ;
OR       : '||' ;

// `&` or `|` consumes the next byte unconditionally; anything but a second `&`/`|` is a bad token.
BAD_AND  : '&' ~'&'? ;
BAD_OR   : '|' ~'|'? ;

// `::` starts a word (an IPv6 literal); a single `:` is the ternary's colon.
WORD     : ( [A-Za-z0-9._] | '::' ) [A-Za-z0-9._:]* ;
COLON    : ':' ;

// Exactly these six bytes are whitespace (docs/spec/filter-language.md §2.1).
WS       : [ \t\n\r\f\u000B]+ -> skip ;

// Any other byte: a bad token (the tokenizer reports it at offset + 1).
BAD_BYTE : . ;
