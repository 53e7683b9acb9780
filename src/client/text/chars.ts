/**
 * Character codes the markdown dialect's parser and writer look at.
 *
 * @internal
 */
export const NL = 10
export const SPACE = 32
export const BANG = 33
export const LPAREN = 40
export const RPAREN = 41
export const STAR = 42
export const MINUS = 45
export const GT = 62
export const LBRACKET = 91
export const BACKSLASH = 92
export const RBRACKET = 93
export const UNDERSCORE = 95
export const BACKTICK = 96
export const PIPE = 124
export const TILDE = 126
