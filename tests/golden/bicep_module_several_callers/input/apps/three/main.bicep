// passes no SKU: the module's default applies
module registry '../../modules/registry.bicep' = {
  name: 'registry'
}
