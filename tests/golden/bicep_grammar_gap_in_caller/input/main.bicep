// a multi-dollar string: a statement tree-sitter-bicep 1.1 cannot read
var sku = $$'Prem${'ium'}'

module acr 'acr.bicep' = {
  name: 'acr'
  params: {
    sku: sku
  }
}
